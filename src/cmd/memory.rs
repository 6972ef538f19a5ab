//! MEMORY (USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP) and the
//! `# Memory` section of INFO, both built on [`Overhead`], our
//! `getMemoryOverheadData`: what the counting allocator ([`crate::alloc`])
//! says is allocated, split into the server's own overhead and the
//! dataset.

use std::fmt::Write as _;

use super::{CmdError, CmdResult, Ctx};
use crate::alloc;
use crate::state::State;

/// MEMORY USAGE's default number of sampled elements.
const DEFAULT_SAMPLES: usize = 5;

/// Memory split the way Redis reports it (INFO memory, MEMORY STATS).
#[derive(Debug, Clone, Default)]
pub struct Overhead {
    /// `used_memory`: bytes allocated now.
    pub total: u64,
    /// Highest `total` seen.
    pub peak: u64,
    /// Allocated when the server was ready, before loading data.
    pub startup: u64,
    /// The AOF buffer awaiting write.
    pub aof_buffer: u64,
    /// Client connections: buffers (capacity) and the `Conn` itself.
    pub clients_normal: u64,
    /// The EVAL script cache (MEMORY STATS `lua.caches`).
    pub lua_caches: u64,
    /// Per database with keys: (index, main table bytes, TTL table bytes).
    pub dbs: Vec<(usize, u64, u64)>,
    /// Everything that is not the dataset.
    pub overhead: u64,
    /// Keys in all databases.
    pub keys: u64,
    /// Resident set size.
    pub rss: u64,
    /// What malloc reports.
    pub malloc: alloc::MallocInfo,
}

impl Overhead {
    /// Measures now.
    pub fn measure(st: &State) -> Overhead {
        let total = alloc::used_memory() as u64;
        let mut o = Overhead {
            total,
            peak: alloc::peak_memory() as u64,
            startup: alloc::startup_memory() as u64,
            aof_buffer: st.aof.as_ref().map_or(0, |a| a.buf.capacity() as u64),
            rss: alloc::rss_bytes(),
            malloc: alloc::malloc_info(),
            // Every connection's buffers and its own allocation (the
            // running client's is out of the table: not counted).
            clients_normal: st
                .clients
                .iter()
                .map(|(_, c)| {
                    (std::mem::size_of::<crate::conn::Conn>()
                        + c.rbuf.capacity()
                        + c.out.buf.capacity()) as u64
                })
                .sum(),
            lua_caches: st.scripting.as_ref().map_or(0, |s| s.scripts_memory as u64),
            ..Overhead::default()
        };
        for (i, db) in st.dbs.iter().enumerate() {
            let n = db.len_raw();
            if n == 0 {
                continue;
            }
            o.keys += n as u64;
            let (main, expires) = db.table_overhead();
            o.dbs.push((i, main as u64, expires as u64));
        }
        o.overhead = o.startup
            + o.aof_buffer
            + o.clients_normal
            + o.lua_caches
            + o.dbs.iter().map(|(_, m, e)| m + e).sum::<u64>();
        o
    }

    /// `used_memory_dataset`: what is not overhead.
    pub fn dataset(&self) -> u64 {
        self.total.saturating_sub(self.overhead)
    }

    /// Allocated beyond what the server had at startup.
    fn net(&self) -> u64 {
        self.total.saturating_sub(self.startup)
    }

    fn dataset_perc(&self) -> f64 {
        pct(self.dataset(), self.net())
    }

    fn peak_perc(&self) -> f64 {
        pct(self.total, self.peak)
    }

    /// malloc's allocated, taken from the system, and the RSS.
    fn allocator(&self) -> (u64, u64, u64) {
        (self.malloc.allocated, self.malloc.active, self.rss)
    }

    /// (ratio, bytes) pairs: allocator fragmentation (active over
    /// allocated), allocator RSS (resident over active), RSS overhead
    /// (process RSS over allocator resident), total (RSS over used).
    fn ratios(&self) -> [(f64, i64); 4] {
        let (allocated, active, resident) = self.allocator();
        let r = |a: u64, b: u64| (ratio(a, b), a as i64 - b as i64);
        [
            r(active, allocated),
            r(resident, active),
            r(self.rss, resident),
            r(self.rss, self.total),
        ]
    }
}

fn pct(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 * 100.0 / b as f64
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Bytes as Redis's `bytesToHuman` writes them.
pub fn human(bytes: u64) -> String {
    let b = bytes as f64;
    const K: f64 = 1024.0;
    if b < K {
        format!("{bytes}B")
    } else if b < K * K {
        format!("{:.2}K", b / K)
    } else if b < K * K * K {
        format!("{:.2}M", b / (K * K))
    } else if b < K * K * K * K {
        format!("{:.2}G", b / (K * K * K))
    } else {
        format!("{:.2}T", b / (K * K * K * K))
    }
}

/// Writes INFO's `# Memory` section: Redis 7.0's fields in its order.
/// Replication and cluster fields are 0.
pub fn info_memory(st: &State, t: &mut String) {
    let o = Overhead::measure(st);
    let (allocated, active, resident) = o.allocator();
    let [frag, rss, rss_over, total_frag] = o.ratios();
    let sysmem = alloc::total_system_memory();
    t.push_str("# Memory\r\n");
    let mut f = |line: std::fmt::Arguments| {
        let _ = t.write_fmt(line);
        t.push_str("\r\n");
    };
    f(format_args!("used_memory:{}", o.total));
    f(format_args!("used_memory_human:{}", human(o.total)));
    f(format_args!("used_memory_rss:{}", o.rss));
    f(format_args!("used_memory_rss_human:{}", human(o.rss)));
    f(format_args!("used_memory_peak:{}", o.peak));
    f(format_args!("used_memory_peak_human:{}", human(o.peak)));
    f(format_args!("used_memory_peak_perc:{:.2}%", o.peak_perc()));
    f(format_args!("used_memory_overhead:{}", o.overhead));
    f(format_args!("used_memory_startup:{}", o.startup));
    f(format_args!("used_memory_dataset:{}", o.dataset()));
    f(format_args!(
        "used_memory_dataset_perc:{:.2}%",
        o.dataset_perc()
    ));
    f(format_args!("allocator_allocated:{allocated}"));
    f(format_args!("allocator_active:{active}"));
    f(format_args!("allocator_resident:{resident}"));
    f(format_args!("total_system_memory:{sysmem}"));
    f(format_args!("total_system_memory_human:{}", human(sysmem)));
    // EVAL's share: the Lua heap and the script cache (none is lent out
    // while a script runs, when INFO comes from inside it).
    let (lua, scripts_eval, cached) = st.scripting.as_ref().map_or((0, 0, 0), |s| {
        (s.lua_memory() as u64, s.scripts_memory as u64, s.cached())
    });
    f(format_args!("used_memory_lua:{lua}"));
    f(format_args!("used_memory_vm_eval:{lua}"));
    f(format_args!("used_memory_lua_human:{}", human(lua)));
    f(format_args!("used_memory_scripts_eval:{scripts_eval}"));
    f(format_args!("number_of_cached_scripts:{cached}"));
    // The function libraries (0 while the engine is lent to a script).
    let (nfuncs, nlibs, vm_functions, functions_mem) =
        st.scripting.as_ref().map_or((0, 0, 0, 0), |sc| {
            let fl = &sc.functions;
            (
                fl.function_count(),
                fl.library_count(),
                fl.vm_memory(),
                fl.overhead(),
            )
        });
    f(format_args!("number_of_functions:{nfuncs}"));
    f(format_args!("number_of_libraries:{nlibs}"));
    f(format_args!("used_memory_vm_functions:{vm_functions}"));
    let vm_total = lua + vm_functions as u64;
    f(format_args!("used_memory_vm_total:{vm_total}"));
    f(format_args!(
        "used_memory_vm_total_human:{}",
        human(vm_total)
    ));
    f(format_args!("used_memory_functions:{functions_mem}"));
    let scripts = scripts_eval + functions_mem as u64;
    f(format_args!("used_memory_scripts:{scripts}"));
    f(format_args!("used_memory_scripts_human:{}", human(scripts)));
    f(format_args!("maxmemory:{}", st.config.maxmemory));
    f(format_args!(
        "maxmemory_human:{}",
        human(st.config.maxmemory)
    ));
    f(format_args!(
        "maxmemory_policy:{}",
        st.config.maxmemory_policy
    ));
    f(format_args!("allocator_frag_ratio:{:.2}", frag.0));
    f(format_args!("allocator_frag_bytes:{}", frag.1));
    f(format_args!("allocator_rss_ratio:{:.2}", rss.0));
    f(format_args!("allocator_rss_bytes:{}", rss.1));
    f(format_args!("rss_overhead_ratio:{:.2}", rss_over.0));
    f(format_args!("rss_overhead_bytes:{}", rss_over.1));
    f(format_args!("mem_fragmentation_ratio:{:.2}", total_frag.0));
    f(format_args!("mem_fragmentation_bytes:{}", total_frag.1));
    // The AOF buffer is what Redis leaves out of eviction's count.
    f(format_args!("mem_not_counted_for_evict:{}", o.aof_buffer));
    f(format_args!("mem_replication_backlog:0"));
    f(format_args!("mem_total_replication_buffers:0"));
    f(format_args!("mem_clients_slaves:0"));
    f(format_args!("mem_clients_normal:{}", o.clients_normal));
    f(format_args!("mem_cluster_links:0"));
    f(format_args!("mem_aof_buffer:{}", o.aof_buffer));
    f(format_args!("mem_allocator:{}", alloc::allocator_name()));
    f(format_args!("active_defrag_running:0"));
    f(format_args!(
        "lazyfree_pending_objects:{}",
        st.lazyfree.pending()
    ));
    f(format_args!("lazyfreed_objects:{}", st.lazyfree.freed()));
}

/// MEMORY USAGE key [SAMPLES count]
pub fn memory_usage(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let mut samples = DEFAULT_SAMPLES;
    while !a.is_empty() {
        if a.eat("samples") && a.remaining() >= 1 {
            let n = a.next_i64()?;
            if n < 0 {
                return Err(CmdError::Syntax);
            }
            samples = if n == 0 { 0 } else { n as usize };
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let db = ctx.client.db;
    if ctx.srv.lookup_notouch(ctx.frame, db, key).is_none() {
        ctx.out.null();
        return Ok(());
    }
    match ctx.srv.dbs[db].key_mem_usage(key, samples) {
        Some(n) => ctx.out.int(n as i64),
        None => ctx.out.null(),
    }
    Ok(())
}

/// A double as Redis's MEMORY STATS sends it: computed in single
/// precision, then printed as a double.
fn float(ctx: &mut Ctx, v: f64) {
    ctx.out.double(f64::from(v as f32));
}

/// MEMORY STATS
pub fn memory_stats(ctx: &mut Ctx) -> CmdResult {
    let o = Overhead::measure(ctx.srv);
    let (allocated, active, resident) = o.allocator();
    let ratios = o.ratios();
    let int = |v: u64| v as i64;
    ctx.out.map(27 + o.dbs.len());
    for (name, v) in [
        ("peak.allocated", o.peak),
        ("total.allocated", o.total),
        ("startup.allocated", o.startup),
        ("replication.backlog", 0),
        ("clients.slaves", 0),
        ("clients.normal", o.clients_normal),
        ("cluster.links", 0),
        ("aof.buffer", o.aof_buffer),
        ("lua.caches", o.lua_caches),
        ("functions.caches", 0),
    ] {
        ctx.out.bulk(name.as_bytes());
        ctx.out.int(int(v));
    }
    for &(i, main, expires) in &o.dbs {
        ctx.out.bulk(format!("db.{i}").as_bytes());
        ctx.out.map(3);
        ctx.out.bulk(b"overhead.hashtable.main");
        ctx.out.int(int(main));
        ctx.out.bulk(b"overhead.hashtable.expires");
        ctx.out.int(int(expires));
        // Cluster mode's slot index, which we do not have.
        ctx.out.bulk(b"overhead.hashtable.slot-to-keys");
        ctx.out.int(0);
    }
    ctx.out.bulk(b"overhead.total");
    ctx.out.int(int(o.overhead));
    ctx.out.bulk(b"keys.count");
    ctx.out.int(int(o.keys));
    ctx.out.bulk(b"keys.bytes-per-key");
    ctx.out.int(int(o.net().checked_div(o.keys).unwrap_or(0)));
    ctx.out.bulk(b"dataset.bytes");
    ctx.out.int(int(o.dataset()));
    ctx.out.bulk(b"dataset.percentage");
    float(ctx, o.dataset_perc());
    ctx.out.bulk(b"peak.percentage");
    float(ctx, o.peak_perc());
    for (name, v) in [
        ("allocator.allocated", allocated),
        ("allocator.active", active),
        ("allocator.resident", resident),
    ] {
        ctx.out.bulk(name.as_bytes());
        ctx.out.int(int(v));
    }
    for (name, (r, b)) in [
        "allocator-fragmentation",
        "allocator-rss",
        "rss-overhead",
        "fragmentation",
    ]
    .into_iter()
    .zip(ratios)
    {
        let ratio_name = if name == "fragmentation" {
            name.to_string()
        } else {
            format!("{name}.ratio")
        };
        ctx.out.bulk(ratio_name.as_bytes());
        float(ctx, r);
        ctx.out.bulk(format!("{name}.bytes").as_bytes());
        ctx.out.int(b);
    }
    Ok(())
}

/// MEMORY DOCTOR
pub fn memory_doctor(ctx: &mut Ctx) -> CmdResult {
    let o = Overhead::measure(ctx.srv);
    let text = doctor_report(&o);
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// The MEMORY DOCTOR text: Redis's wording for an instance too small to
/// judge and for one without issues; the issues it checks that apply to
/// us (a peak far above current use, a process much larger than its
/// allocations) are reported in short form.
fn doctor_report(o: &Overhead) -> String {
    if o.total < 5 << 20 {
        return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n".into();
    }
    let mut issues = Vec::new();
    if o.peak as f64 / o.total as f64 > 1.5 {
        issues.push(" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak. MEMORY PURGE may return some of it to the system.\n");
    }
    let [_, _, _, (frag, frag_bytes)] = o.ratios();
    if frag > 1.4 && frag_bytes > 10 << 20 {
        issues.push(" * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Cinnabar process is much larger than the sum of the logical allocations it performed). MEMORY PURGE may help.\n");
    }
    if issues.is_empty() {
        return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n".into();
    }
    let mut s =
        String::from("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
    for i in issues {
        s.push_str(i);
        s.push('\n');
    }
    s.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
    s
}

/// MEMORY MALLOC-STATS
pub fn memory_malloc_stats(ctx: &mut Ctx) -> CmdResult {
    // jemalloc's own report, as Redis (built with jemalloc) replies.
    ctx.out.bulk(&alloc::malloc_stats());
    Ok(())
}

/// MEMORY PURGE
pub fn memory_purge(ctx: &mut Ctx) -> CmdResult {
    alloc::purge();
    ctx.out.ok();
    Ok(())
}

/// MEMORY HELP
pub fn memory_help(ctx: &mut Ctx) -> CmdResult {
    super::server::reply_help(
        ctx,
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
    Ok(())
}
