# shellcheck shell=bash
# The Per drop section of docs/BENCHMARKS.md, sourced by bench/run-benchmarks:
# what a drop costs under tcpdrop with and without stacks, skbstat counting
# and bpftrace, from run-benchmarks' files in $tmp: the storm rounds
# (<config>.rate), the BPF time the kernel counted (<config>.bpf_ns) and one
# storm each under perf (<config>.steps, by bench/per-drop-steps).

per_drop_configs=(tcpdrop bpftrace-kstack tcpdrop-nostack bpftrace-empty skbstat-count bpftrace-empty-count-points)

added_ns_per_round() { # config: traced time per drop less untraced, per round
	paste "$tmp/untraced.rate" "$tmp/$1.rate" | awk '{ printf "%.0f\n", 1e9 / $2 - 1e9 / $1 }'
}

# Per round, config $1's added time over config $2's.
added_ratio_per_round() {
	paste "$tmp/untraced.rate" "$tmp/$1.rate" "$tmp/$2.rate" |
		awk '{ u = 1e9 / $1; printf "%.3f\n", (1e9 / $2 - u) / (1e9 / $3 - u) }'
}

# Per round, config $1's traced ÷ untraced less config $2's.
ratio_difference_per_round() {
	paste "$tmp/untraced.rate" "$tmp/$1.rate" "$tmp/$2.rate" |
		awk '{ printf "%+.3f\n", ($2 - $3) / $1 }'
}

# Whether per-round figures on stdin all fall on one side of `$1`: if some
# rounds are above it and some below, the difference is within the noise.
side_of() {
	awk -v at="$1" '$1 > at { above++ } $1 < at { below++ }
		END { if (above && below) print "within noise: rounds on both sides of " at
		      else if (above) print "above " at " in every round"
		      else print "below " at " in every round" }'
}

per_drop_report() {
	local config step stack_ratio nostack_gap count_gap
	declare -A steps
	for config in untraced "${per_drop_configs[@]}"; do
		for step in $(cat "$tmp/$config.steps"); do steps[$config.${step%%=*}]=${step#*=}; done
	done
	stack_ratio=$(added_ratio_per_round tcpdrop bpftrace-kstack | median | xargs printf '%.2f')
	nostack_gap=$(ratio_difference_per_round tcpdrop-nostack bpftrace-empty | median | xargs printf '%+.3f')
	count_gap=$(ratio_difference_per_round skbstat-count bpftrace-empty-count-points | median | xargs printf '%+.3f')
	verdict() { awk "BEGIN { exit !($1) }" && echo met || echo missed; }

	echo "## Per drop"
	echo
	echo "What one drop of the storm costs under each tracer. Measured by"
	echo "\`bench/run-benchmarks\` (\`--only tcpdrop\` measures this section alone)"
	echo "on $(date -u '+%Y-%m-%d %H:%M UTC'), nettrace $commit, $runs rounds: $(load_average)."
	echo
	echo "Time added is the traced time per drop less the untraced one of the"
	echo "same round; BPF time is what the kernel counts for the programs"
	echo "(\`kernel.bpf_stats_enabled\`, in $runs storms of their own, since counting"
	echo "costs time too), summed over every program and divided by the drops."
	echo "The time added is larger than the BPF time: it also holds the"
	echo "tracepoint's glue that calls the program, which differs between"
	echo "bpftrace's classic tracepoint and nettrace's tp_btf program."
	echo
	echo "| tracer | time added ns (median) | range ns | BPF time ns | traced ÷ untraced | range |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	for config in "${per_drop_configs[@]}"; do
		printf '| %s | %s | %s | %s | %.3f | %s |\n' "${label[$config]}" \
			"$(added_ns_per_round "$config" | median | xargs printf '%.0f')" \
			"$(added_ns_per_round "$config" | range)" \
			"$(median <"$tmp/$config.bpf_ns")" \
			"$(round_ratio "$config")" "$(ratios "$config" | range)"
	done
	echo
	echo "### Against the references"
	echo
	echo "Each comparison is made round by round, between tracers that ran next"
	echo "to each other, and the median and range of those per-round figures are"
	echo "given. Where some rounds fall on each side, the difference is within"
	echo "the machine's noise."
	echo
	echo "| comparison | median | range over rounds | reading |"
	echo "| --- | ---: | ---: | --- |"
	echo "| tcpdrop's time added ÷ bpftrace kstack's | ${stack_ratio}× | $(added_ratio_per_round tcpdrop bpftrace-kstack | range) | $(added_ratio_per_round tcpdrop bpftrace-kstack | side_of 1) |"
	echo "| tcpdrop --no-stack less the empty program (traced ÷ untraced) | $nostack_gap | $(ratio_difference_per_round tcpdrop-nostack bpftrace-empty | range) | $(ratio_difference_per_round tcpdrop-nostack bpftrace-empty | side_of 0) |"
	echo "| skbstat counting less the empty program on its eight points (traced ÷ untraced) | $count_gap | $(ratio_difference_per_round skbstat-count bpftrace-empty-count-points | range) | $(ratio_difference_per_round skbstat-count bpftrace-empty-count-points | side_of 0) |"
	echo
	echo "| target | measured | |"
	echo "| --- | --- | --- |"
	echo "| tcpdrop's stacks at most 1.0× bpftrace kstack's time added | ${stack_ratio}× | $(verdict "$stack_ratio <= 1.0") |"
	echo "| tcpdrop --no-stack within 0.03 of the empty program | $nostack_gap | $(verdict "$nostack_gap >= -0.03") |"
	echo "| skbstat counting within 0.03 of the empty program on its points | $count_gap | $(verdict "$count_gap >= -0.03") |"
	echo
	echo "### Where the time goes"
	echo
	echo "One storm each under \`perf record -a -e cpu-clock\`: the storm's own"
	echo "samples (the drops happen in its context) sorted by kernel function"
	echo "into steps (\`bench/per-drop-steps\` names the functions of each), in"
	echo "ns per drop. Sampling slows the storm, so every figure is larger than"
	echo "without perf; the columns compare with each other."
	echo
	printf '| step | untraced |'
	for config in "${per_drop_configs[@]}"; do printf ' %s |' "${label[$config]}"; done
	echo
	printf '| --- | ---: |'
	for config in "${per_drop_configs[@]}"; do printf ' ---: |'; done
	echo
	for step in stack clock memory_reads ring_buffer program dispatch maps helpers rest; do
		printf '| %s | %s |' "${step//_/ }" "${steps[untraced.$step]}"
		for config in "${per_drop_configs[@]}"; do printf ' %s |' "${steps[$config.$step]}"; done
		echo
	done
}
