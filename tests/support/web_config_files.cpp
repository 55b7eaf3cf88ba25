// SPDX-License-Identifier: MIT
#include "web_config_files.hpp"

#include "process.hpp"

#include <fstream>
#include <stdexcept>

namespace nettrace::test {

namespace {

void run_or_throw(const std::string &script, const std::string &dir)
{
	const ProcessResult r = run_process({"sh", "-ec", "cd \"$0\"; " + script, dir});
	if (r.exit_code != 0)
		throw std::runtime_error("cannot make test certificates: " + r.err);
}

} // namespace

bool have_web_config_tools()
{
	return run_process({"sh", "-c", "command -v openssl && command -v htpasswd"}).exit_code ==
	       0;
}

WebConfigFiles::WebConfigFiles()
{
	// P-256 keys: quick to make. The server's name is its address, as
	// Prometheus connects to 127.0.0.1.
	const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
	run_or_throw("openssl req -x509 " + key +
			     " -keyout ca.key -out ca.crt -days 2 -subj /CN=nettrace-test-ca "
			     "2>/dev/null;"
			     "openssl req " +
			     key +
			     " -keyout server.key -out server.csr -subj /CN=127.0.0.1 "
			     "2>/dev/null;"
			     "printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext;"
			     "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key "
			     "-CAcreateserial -days 2 -extfile server.ext -out server.crt "
			     "2>/dev/null;"
			     "openssl req " +
			     key +
			     " -keyout client.key -out client.csr -subj /CN=scraper 2>/dev/null;"
			     "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key "
			     "-CAcreateserial -days 2 -out client.crt 2>/dev/null;"
			     "openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:prime256v1 "
			     "-out stranger.key 2>/dev/null",
		     dir_.path);
}

std::string WebConfigFiles::bcrypt(const std::string &user, const std::string &password, int cost)
{
	const ProcessResult r =
		run_process({"htpasswd", "-nbBC", std::to_string(cost), user, password});
	const std::size_t colon = r.out.find(':');
	const std::size_t end = r.out.find('\n');
	if (r.exit_code != 0 || colon == std::string::npos)
		throw std::runtime_error("htpasswd failed: " + r.err);
	return r.out.substr(colon + 1, end - colon - 1);
}

std::string WebConfigFiles::write(const std::string &name, const std::string &text) const
{
	const std::string p = path(name);
	std::ofstream(p) << text;
	return p;
}

} // namespace nettrace::test
