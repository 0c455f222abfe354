/// `GET /dashboard`: one self-contained page (no external scripts or fonts, so it works on an
/// offline operator network). It reads `/dashboard/data` every three seconds and renders workers,
/// tiers, the queue, recent jobs and throughput. Text goes in with `textContent`, never as HTML,
/// so a worker's chosen name cannot inject script.
enum DashboardPage {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>BitSage coordinator</title>
    <style>
      body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1f24; background: #f7f8fa; }
      h1 { font-size: 1.3rem; margin: 0 0 .2rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
      .muted { color: #667; } .cards { display: flex; gap: .8rem; flex-wrap: wrap; }
      .card { background: #fff; border: 1px solid #dde; border-radius: 6px; padding: .6rem .9rem; min-width: 7rem; }
      .card b { display: block; font-size: 1.3rem; }
      table { border-collapse: collapse; width: 100%; background: #fff; }
      th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eef; font-variant-numeric: tabular-nums; }
      th { background: #eef0f4; font-weight: 600; } td.id { font-family: ui-monospace, monospace; font-size: 12px; }
      .state-active, .state-paid { color: #11772c; } .state-suspended, .state-rejected, .state-failed { color: #b3261e; }
      .state-offline, .state-expired, .state-cancelled { color: #777; }
    </style>
    </head>
    <body>
    <h1>BitSage coordinator</h1>
    <div class="muted">network <span id="network">…</span> · updated <span id="updated">never</span> · <span id="status">loading</span></div>
    <h2>Queue and throughput</h2>
    <div class="cards" id="queue"></div>
    <h2>Workers</h2>
    <table id="workers"><thead><tr><th>worker</th><th>name</th><th>state</th><th>tier</th><th>stake</th><th>GPUs</th><th>leases</th><th>paid</th><th>rejected</th><th>last heartbeat</th></tr></thead><tbody></tbody></table>
    <h2>Recent jobs</h2>
    <table id="jobs"><thead><tr><th>job</th><th>workload</th><th>size</th><th>state</th><th>priority</th><th>reward</th><th>attempts</th><th>worker</th><th>security</th><th>updated</th></tr></thead><tbody></tbody></table>
    <script>
    function cell(row, text, cls) { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; row.appendChild(td); }
    function short(id) { return id ? (id.length > 14 ? id.slice(0, 8) + "…" + id.slice(-4) : id) : "—"; }
    function card(label, value) {
      const d = document.createElement("div"); d.className = "card";
      const b = document.createElement("b"); b.textContent = value; d.appendChild(b);
      d.appendChild(document.createTextNode(label)); return d;
    }
    async function refresh() {
      try {
        const r = await fetch("/dashboard/data", { cache: "no-store" });
        if (!r.ok) throw new Error("HTTP " + r.status);
        const d = await r.json();
        document.getElementById("network").textContent = d.network;
        document.getElementById("updated").textContent = new Date(d.time).toLocaleTimeString();
        document.getElementById("status").textContent = "live";
        const q = document.getElementById("queue"); q.replaceChildren();
        for (const s of ["queued", "leased", "submitted", "paid", "rejected", "failed", "expired", "cancelled"])
          q.appendChild(card(s, d.jobs_by_state[s] || 0));
        q.appendChild(card("oldest queued (s)", d.oldest_queued_seconds == null ? "—" : Math.round(d.oldest_queued_seconds)));
        q.appendChild(card("paid, last minute", d.paid_last_minute));
        q.appendChild(card("paid, last hour", d.paid_last_hour));
        const wb = document.querySelector("#workers tbody"); wb.replaceChildren();
        for (const w of d.workers) {
          const tr = document.createElement("tr"); tr.dataset.worker = w.id;
          cell(tr, short(w.id), "id"); cell(tr, w.name || "—"); cell(tr, w.state, "state-" + w.state);
          cell(tr, w.tier || "none"); cell(tr, w.stake); cell(tr, w.gpus.map(g => g.name).join(", ") || "CPU");
          cell(tr, w.active_leases); cell(tr, w.jobs_paid); cell(tr, w.proofs_rejected);
          cell(tr, w.last_heartbeat ? new Date(w.last_heartbeat).toLocaleTimeString() : "—");
          wb.appendChild(tr);
        }
        const jb = document.querySelector("#jobs tbody"); jb.replaceChildren();
        for (const j of d.recent_jobs) {
          const tr = document.createElement("tr"); tr.dataset.job = j.id;
          cell(tr, short(j.id), "id"); cell(tr, j.workload); cell(tr, "2^" + j.log_rows); cell(tr, j.status, "state-" + j.status);
          cell(tr, j.priority); cell(tr, j.reward); cell(tr, j.attempts + "/" + j.max_attempts); cell(tr, short(j.worker), "id");
          cell(tr, j.proof_security_bits ? j.proof_security_bits + " bits" : "—"); cell(tr, new Date(j.updated_at).toLocaleTimeString());
          jb.appendChild(tr);
        }
        document.body.dataset.loaded = "true";
      } catch (e) {
        document.getElementById("status").textContent = "cannot reach the coordinator (" + e.message + ")";
      }
    }
    refresh(); setInterval(refresh, 3000);
    </script>
    </body>
    </html>
    """#
}
