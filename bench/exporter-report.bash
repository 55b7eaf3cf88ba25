# shellcheck shell=bash
# The Exporter section of docs/BENCHMARKS.md, sourced by bench/run-benchmarks:
# the exporter's storm rounds (from run-benchmarks' own files in $tmp) and
# the figures bench/exporter-load wrote to $tmp/exporter.figures, with the
# targets each is held to.

exporter_report() {
	local f ratio floor name value
	declare -A x
	while read -r name value; do x[$name]=$value; done <"$tmp/exporter.figures"
	ratio=$(round_ratio exporter | xargs printf '%.3f')
	floor=$(round_ratio bpftrace-empty | xargs printf '%.3f')
	verdict() { awk "BEGIN { exit !($1) }" && echo met || echo missed; }

	echo "## Exporter"
	echo
	echo "\`nettrace exporter\` as a fleet runs it: every namespace, no filter,"
	echo "one exporter from the first scrape to the end of the soak. Measured by"
	echo "\`bench/run-benchmarks\` (\`--only exporter\` measures this section"
	echo "alone) on $(date -u '+%Y-%m-%d %H:%M UTC'), nettrace $commit, on the"
	echo "machine above, shared with other builds: $(load_average)."
	echo
	echo "### Cost to the drop storm"
	echo
	echo "The same $drops-drop storm and ratio as above, $runs rounds, the"
	echo "exporter interleaved with the untraced storm and bpftrace's empty"
	echo "program, the reference: what attaching any program to the tracepoint"
	echo "costs. The exporter counts every drop of the machine, the storm's"
	echo "included, in its per-CPU map."
	echo
	echo "| tracer | drops/s | range drops/s | traced ÷ untraced | tracer CPU s / 1M drops | peak RSS MB |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	for f in untraced exporter bpftrace-empty; do
		printf '| %s | %.0f | %s | %.3f | %s | %s |\n' "${label[$f]}" "$(m "$f" rate)" \
			"$(range <"$tmp/$f.rate")" "$(round_ratio "$f")" \
			"$([[ $f == untraced ]] && echo – || m "$f" cpu)" \
			"$([[ $f == untraced ]] && echo – || m "$f" rss)"
	done
	echo
	echo "### Scrapes of ${x[series_bench]} series"
	echo
	echo "\`nettrace-drop-storm --ethertypes ${x[series_bench]}\` sends one raw Ethernet"
	echo "frame of each ethertype from 0x9000 on into a veth pair of its own"
	echo "namespace; the far end has no handler for them and drops each in"
	echo "\`__netif_receive_skb_core\` (UNHANDLED_PROTO), one series per ethertype."
	echo "A scrape then showed ${x[series_total]} series of \`nettrace_drops_total\`"
	echo "(the bench's ${x[series_bench]}, the rest the machine's own drops), each"
	echo "also in \`nettrace_dropped_bytes_total\`: ${x[scrape_bytes]} bytes, or"
	echo "${x[scrape_gzip_bytes]} bytes gzip-compressed, as Prometheus asks for it."
	echo "\`--max-series ${x[max_series]}\` leaves room for the machine's drops beside"
	echo "the bench's. ${x[scrapes]} scrapes one after the other, 300 ms apart so"
	echo "that each reads the map and writes its text anew (scrapes within 250 ms"
	echo "of a reading share it), each by a new \`curl\` without compression, the"
	echo "whole text held (connect, request, whole body; curl's \`time_total\`); each"
	echo "is checked to hold the last ethertype sent. The exporter's own"
	echo "\`nettrace_scrape_duration_seconds\` covers reading the map and folding"
	echo "its rows into series, not writing the text out."
	echo
	echo "| | p50 ms | p99 ms | max ms |"
	echo "| --- | ---: | ---: | ---: |"
	echo "| scrape, wall time | ${x[scrape_p50_ms]} | ${x[scrape_p99_ms]} | ${x[scrape_p100_ms]} |"
	echo "| \`nettrace_scrape_duration_seconds\` | ${x[scrape_self_p50_ms]} | ${x[scrape_self_p99_ms]} | ${x[scrape_self_p100_ms]} |"
	echo
	echo "The exporter's CPU time (user and system, all threads) per scrape, the"
	echo "mean over the ${x[scrapes]}: ${x[scrape_cpu_ms]} ms. The wall times include waiting"
	echo "for a CPU on this shared machine; the CPU time does not."
	echo
	echo "### 20 concurrent scrapers"
	echo
	echo "\`hey -c 20 -q 5 -z ${x[load_seconds]}s\` (Debian's hey $(dpkg-query -W -f='${Version}' hey 2>/dev/null)) at the"
	echo "same ${x[series_total]} series; hey asks for gzip, as Prometheus does."
	echo
	echo "| requests answered 200 | other status | errors | requests/s | p50 ms | p99 ms | slowest ms | exporter CPU s |"
	echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	echo "| ${x[load_ok]} | ${x[load_other_status]} | ${x[load_errors]} | ${x[load_rps]} | ${x[load_p50_ms]} | ${x[load_p99_ms]} | ${x[load_max_ms]} | ${x[load_cpu_s]} |"
	echo
	echo "### Soak"
	echo
	echo "\`nettrace-drop-storm --udp ${x[soak_drops_made]} --rate ${x[soak_rate]}\`: UDP datagrams to"
	echo "a closed port in a namespace of its own, ${x[soak_rate]} a second for"
	echo "${x[soak_seconds]} s, while Debian's Prometheus ($(dpkg-query -W -f='${Version}' prometheus 2>/dev/null)),"
	echo "started by the bench with its own configuration, scrapes the exporter"
	echo "every second. RSS is VmRSS after ${x[soak_warm_up]} s of warm-up and at the"
	echo "storm's end, and its highest sample (every 10 s). The counter is"
	echo "Prometheus's \`sum(nettrace_drops_total{netns=\"<storm's>\", reason=\"NO_SOCKET\","
	echo "protocol=\"udp\", kind=\"drop\"})\` from its first sample taken over a second"
	echo "after the storm's last drop, and the same from a scrape by curl. The"
	echo "storm keeps its namespace until then, so that no other namespace can"
	echo "take its inode number, which the counter is keyed by; the counter is"
	echo "also read before the storm, for drops of an earlier namespace that had"
	echo "the number. The scrape durations are Prometheus's"
	echo "\`scrape_duration_seconds\`."
	echo
	echo "| | |"
	echo "| --- | ---: |"
	echo "| drops made | ${x[soak_drops_made]} |"
	echo "| counter in Prometheus before the storm | ${x[soak_counter_before]} |"
	echo "| counter in Prometheus | ${x[soak_counter_prometheus]} |"
	echo "| counter scraped by curl | ${x[soak_counter_scraped]} |"
	echo "| Prometheus scrapes (up) | ${x[soak_scrapes]} (${x[soak_scrapes_up]}) |"
	echo "| series in Prometheus | ${x[soak_series]} |"
	echo "| scrape duration p99 / max, ms | ${x[soak_scrape_p99_ms]} / ${x[soak_scrape_max_ms]} |"
	echo "| VmRSS after warm-up, kB | ${x[soak_rss_start_kb]} |"
	echo "| VmRSS at the end, kB | ${x[soak_rss_end_kb]} |"
	echo "| VmRSS highest sample, kB | ${x[soak_rss_max_kb]} |"
	echo "| exporter CPU during the soak, s | ${x[soak_cpu_s]} |"
	echo "| exporter exit status on SIGTERM | ${x[exporter_exit]} |"
	echo
	echo "### Exporter targets"
	echo
	echo "| target | measured | |"
	echo "| --- | --- | --- |"
	echo "| storm's traced ÷ untraced within 0.03 of the empty program's | $ratio vs $floor | $(verdict "$ratio >= $floor - 0.03") |"
	echo "| scrape of ${x[series_bench]} series under 50 ms (p99) | ${x[scrape_p99_ms]} ms (the exporter's own ${x[scrape_self_p99_ms]} ms) | $(verdict "${x[scrape_p99_ms]} < 50") |"
	echo "| 20 scrapers at 5/s for ${x[load_seconds]} s: no error, p99 under 100 ms | ${x[load_errors]} errors, ${x[load_other_status]} other statuses, p99 ${x[load_p99_ms]:-n/a} ms | $(verdict "${x[load_errors]} == 0 && ${x[load_other_status]} == 0 && ${x[load_ok]} > 0 && ${x[load_p99_ms]:-1e9} < 100") |"
	echo "| peak RSS under 16 MB idle, under 24 MB at ${x[series_bench]} series | ${x[idle_hwm_mb]} MB idle, ${x[loaded_hwm_mb]} MB after the scrapes (${x[soak_hwm_mb]} MB after the soak) | $(verdict "${x[idle_hwm_mb]} < 16 && ${x[loaded_hwm_mb]} < 24 && ${x[soak_hwm_mb]} < 24") |"
	echo "| soak of ${x[soak_seconds]} s: RSS growth under 1 MB, counter equal to the drops made | ${x[soak_rss_growth_kb]} kB; ${x[soak_counter_prometheus]} − ${x[soak_counter_before]} of ${x[soak_drops_made]} | $(verdict "${x[soak_rss_growth_kb]} < 1024 && \"${x[soak_counter_prometheus]}\" - ${x[soak_counter_before]} == ${x[soak_drops_made]}") |"
}
