#pragma once
// RequestFrame: the bytes of one request as read off the socket (after the
// 4-byte size). Its storage is default-initialised: the socket read fills
// every byte before anything looks at them, so zero-filling a frame (up to
// socket.request.max.bytes, ~1 MB for a typical produce request) first would
// be wasted work on the hot path.

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace runnel::broker {

// std::allocator, except that resize() and the size constructor leave new
// elements default-initialised (indeterminate for std::byte) instead of zeroed.
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}

  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    std::allocator_traits<std::allocator<T>>::construct(static_cast<std::allocator<T>&>(*this), p,
                                                        std::forward<Args>(args)...);
  }
};

using RequestFrame = std::vector<std::byte, DefaultInitAllocator<std::byte>>;

}  // namespace runnel::broker
