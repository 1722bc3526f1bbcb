#pragma once
// Result<T>: the return type of every operation whose failure is expected
// (bad input, a full disk). Exceptions are reserved for bugs and start-up.

#include <system_error>
#include <tl/expected.hpp>

namespace runnel {

template <class T>
using Result = tl::expected<T, std::error_code>;

inline tl::unexpected<std::error_code> fail(std::error_code ec) { return tl::unexpected(ec); }

}  // namespace runnel
