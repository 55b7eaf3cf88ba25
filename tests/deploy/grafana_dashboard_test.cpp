// SPDX-License-Identifier: MIT
// deploy/grafana/nettrace-dashboard.json against real data: nettrace
// exporter counts drops and frees the test makes, Debian's prometheus
// scrapes it, and every query of the dashboard (each panel target's expr
// and the instance variable's), with Grafana's variables filled in, must
// answer, naming only metrics and labels that exist. There is no Grafana
// in Debian: how the panels look is not checked.
#include "exporter_run.hpp"
#include "netns.hpp"
#include "prometheus_server.hpp"
#include "requirements.hpp"
#include "traffic.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <thread>
#include <unistd.h>

using namespace nettrace::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string dashboard_file = NETTRACE_SOURCE_DIR "/deploy/grafana/nettrace-dashboard.json";

struct Query {
	std::string panel;
	std::string expr;
	std::set<std::string> result_labels; // each must show in some result series
	json result;
};

// Every target of every panel, those of rows included.
void collect_targets(const json &panels, std::vector<Query> &out)
{
	for (const json &p : panels) {
		if (p.contains("panels"))
			collect_targets(p["panels"], out);
		if (!p.contains("targets"))
			continue;
		for (const json &t : p["targets"]) {
			Query q{p.value("title", ""), t.value("expr", ""), {}, nullptr};
			const std::string legend = t.value("legendFormat", "");
			const std::regex label(R"(\{\{\s*(\w+)\s*\}\})");
			for (std::sregex_iterator i(legend.begin(), legend.end(), label), end;
			     i != end; ++i)
				q.result_labels.insert((*i)[1].str());
			out.push_back(q);
		}
	}
}

// Grafana's variables as it would fill them in: $name and ${name}.
std::string substitute(const std::string &expr, const std::map<std::string, std::string> &vars)
{
	std::string out;
	const std::regex variable(R"(\$\{(\w+)\}|\$(\w+))");
	std::string::const_iterator from = expr.begin();
	for (std::sregex_iterator i(expr.begin(), expr.end(), variable), end; i != end; ++i) {
		const std::smatch &m = *i;
		const std::string name = m[1].matched ? m[1].str() : m[2].str();
		out.append(from, m[0].first);
		const auto v = vars.find(name);
		out += v == vars.end() ? m[0].str() : v->second;
		from = m[0].second;
	}
	out.append(from, expr.end());
	return out;
}

std::set<std::string> matches(const std::string &text, const std::string &pattern)
{
	std::set<std::string> found;
	const std::regex re(pattern);
	for (std::sregex_iterator i(text.begin(), text.end(), re), end; i != end; ++i)
		found.insert((*i)[1].str());
	return found;
}

// Label names in `by (...)`, `without (...)` and matchers.
std::set<std::string> label_names(const std::string &expr)
{
	std::set<std::string> names = matches(expr, R"((\w+)\s*(?:=~|!~|!=|=)\s*\")");
	for (const std::string &list : matches(expr, R"((?:by|without)\s*\(([^)]*)\))"))
		for (const std::string &n : matches(list, R"((\w+))"))
			names.insert(n);
	return names;
}

bool result_has_label(const json &result, const std::string &label)
{
	for (const json &series : result)
		if (series["metric"].contains(label))
			return true;
	return false;
}

TEST(DeployGrafanaDashboard, EveryQueryAnswersFromRealDrops)
{
	NETTRACE_REQUIRE_BPF();
	NETTRACE_REQUIRE_PROMETHEUS();
	std::ifstream in(dashboard_file);
	const json dashboard = json::parse(in);
	EXPECT_EQ(dashboard["schemaVersion"], 38);
	std::vector<Query> queries;
	collect_targets(dashboard["panels"], queries);
	ASSERT_GE(queries.size(), 10u);

	TestNetns ns;
	ExporterRun exporter;
	ASSERT_NE(exporter.port(), 0) << exporter.err();
	PrometheusServer prometheus(exporter.port());
	ASSERT_TRUE(prometheus.ready(60s)) << prometheus.log();
	const std::string instance = "127.0.0.1:" + std::to_string(exporter.port());
	const std::map<std::string, std::string> vars{{"instance", instance},
						      {"__rate_interval", "1m"},
						      {"__interval", "15s"},
						      {"__range", "5m"}};

	// Drops (kind="drop") and frees that lose none (close_purge,
	// time_wait), in a namespace named in /run/netns.
	const auto port = static_cast<std::uint16_t>(30000 + getpid() % 20000);
	udp_to_closed_port(ns, "127.0.0.1", "127.0.0.1", port, 20);
	clean_tcp_connections(ns, ns, "127.0.0.1", static_cast<std::uint16_t>(port + 1), 3);
	clean_tcp_connections(ns, ns, "127.0.0.1", static_cast<std::uint16_t>(port + 2), 3,
			      FirstToClose::Server);

	for (Query &q : queries) {
		q.expr = substitute(q.expr, vars);
		EXPECT_EQ(q.expr.find('$'), std::string::npos)
			<< q.panel << ": a variable this test does not know: " << q.expr;
	}
	// The variable's own query, label_values(METRIC, LABEL), in PromQL.
	const json &variables = dashboard["templating"]["list"];
	for (const json &v : variables) {
		if (v["type"] != "query")
			continue;
		std::smatch m;
		const std::string definition = v.value("definition", "");
		ASSERT_TRUE(std::regex_match(definition, m,
					     std::regex(R"(label_values\((\w+),\s*(\w+)\))")))
			<< definition;
		queries.push_back({"variable " + v.value("name", ""),
				   "count by (" + m[2].str() + ") (" + m[1].str() + ")",
				   {m[2].str()},
				   nullptr});
	}

	// Scrapes come every second: a rate needs two after the drops.
	const auto deadline = std::chrono::steady_clock::now() + 90s;
	for (bool pending = true; pending && std::chrono::steady_clock::now() < deadline;) {
		pending = false;
		for (Query &q : queries) {
			if (!q.result.is_null() && !q.result.empty())
				continue;
			const json data = prometheus.query_data(q.expr);
			q.result = data.is_null() ? json() : data["result"];
			pending = pending || q.result.is_null() || q.result.empty();
		}
		if (pending)
			std::this_thread::sleep_for(1s);
	}

	for (const Query &q : queries) {
		ASSERT_FALSE(q.result.is_null() || q.result.empty())
			<< q.panel << ": no answer to " << q.expr << "\n"
			<< prometheus.log();
		std::set<std::string> shown = q.result_labels;
		for (const std::string &l : matches(q.expr, R"(by\s*\(([^)]*)\))"))
			for (const std::string &n : matches(l, R"((\w+))"))
				shown.insert(n);
		for (const std::string &label : shown)
			EXPECT_TRUE(result_has_label(q.result, label))
				<< q.panel << ": no series of " << q.expr << " has label " << label
				<< "\n"
				<< q.result.dump();
		// A label in a matcher may select nothing by mistake, or
		// everything ({typo!="drop"}): it must exist.
		for (const std::string &label : label_names(q.expr))
			EXPECT_TRUE(prometheus.query("count({" + label + "!=\"\"})").has_value())
				<< q.panel << ": no series has label " << label << ": " << q.expr;
		for (const std::string &metric : matches(q.expr, R"(\b(nettrace_\w+)\b)"))
			EXPECT_TRUE(prometheus.query("count({__name__=\"" + metric + "\"})")
					    .has_value())
				<< q.panel << ": no metric " << metric << ": " << q.expr;
	}
	exporter.stop();
}

} // namespace
