// SPDX-License-Identifier: MIT
#include "exporter_listen.hpp"

#include <nettrace/common/cli/text.hpp>
#include <nettrace/errors.hpp>

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>

namespace nettrace::exporter {

std::string ListenAddress::text() const
{
	return address.find(':') == std::string::npos ? fmt::format("{}:{}", address, port)
						      : fmt::format("[{}]:{}", address, port);
}

ListenAddress parse_listen(std::string_view text)
{
	const auto bad = [&](std::string_view why) {
		return UsageError(fmt::format("--listen: {} {}; expected ADDR:PORT such as {} or "
					      "[::1]:{}",
					      quoted_value(text), why, default_listen,
					      default_port));
	};
	const std::size_t colon = text.rfind(':');
	if (colon == std::string_view::npos)
		throw bad("has no port");
	std::string_view host = text.substr(0, colon);
	const std::string_view port_text = text.substr(colon + 1);
	unsigned port = 0;
	const auto [end, ec] =
		std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
	if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
	    port > 65535)
		throw bad("has no port number from 0 to 65535");
	ListenAddress listen;
	listen.port = static_cast<std::uint16_t>(port);
	const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
	if (bracketed)
		host = host.substr(1, host.size() - 2);
	listen.address = host.empty() && !bracketed ? "0.0.0.0" : std::string(host);
	unsigned char buf[16];
	const bool v6 = inet_pton(AF_INET6, listen.address.c_str(), buf) == 1;
	const bool v4 = inet_pton(AF_INET, listen.address.c_str(), buf) == 1;
	if (bracketed ? !v6 : !v4)
		throw bad(bracketed || v6 ? "has no IPv6 address in brackets"
					  : "has no numeric IPv4 address");
	return listen;
}

} // namespace nettrace::exporter
