#include <nettrace/common/command_line.hpp>

#include <nettrace/errors.hpp>

#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>
#include <fmt/format.h>

namespace po = boost::program_options;

namespace nettrace {

po::variables_map parse_command_line(int argc, char **argv,
				     const po::options_description &options)
{
	po::variables_map vm;
	try {
		const po::positional_options_description no_positional;
		po::store(po::command_line_parser(argc, argv)
				  .options(options)
				  .positional(no_positional)
				  .style(po::command_line_style::default_style &
					 ~po::command_line_style::allow_guessing)
				  .run(),
			  vm);
		po::notify(vm);
	} catch (const po::too_many_positional_options_error &) {
		for (int i = 1; i < argc; ++i)
			if (argv[i][0] != '-' && (i == 1 || argv[i - 1][0] != '-'))
				throw UsageError(fmt::format("unexpected argument '{}'", argv[i]));
		throw UsageError("unexpected argument");
	} catch (const po::error &e) {
		throw UsageError(e.what());
	}
	return vm;
}

} // namespace nettrace
