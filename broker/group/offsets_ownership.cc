#include "broker/group/offsets_ownership.h"

namespace runnel::broker::group {

using protocol::ErrorCode;

const OffsetsOwnership::Slot* OffsetsOwnership::slot(int32_t p) const {
  if (p < 0 || static_cast<size_t>(p) >= slots_.size()) return nullptr;
  return &slots_[static_cast<size_t>(p)];
}

uint64_t OffsetsOwnership::begin_term(int32_t p, std::shared_ptr<Partition> partition, bool leader) {
  std::lock_guard lock(mutex_);
  if (slot(p) == nullptr) return 0;
  Slot& s = slots_[static_cast<size_t>(p)];
  ++s.term;
  s.status = leader ? Status::loading : Status::not_led;
  s.partition = leader ? std::move(partition) : nullptr;
  return s.term;
}

bool OffsetsOwnership::is_current(int32_t p, uint64_t term) const {
  std::lock_guard lock(mutex_);
  const Slot* s = slot(p);
  return s != nullptr && s->term == term;
}

bool OffsetsOwnership::finish_loading(int32_t p, uint64_t term) {
  std::lock_guard lock(mutex_);
  if (slot(p) == nullptr) return false;
  Slot& s = slots_[static_cast<size_t>(p)];
  if (s.term != term || s.status != Status::loading) return false;
  s.status = Status::loaded;
  return true;
}

ErrorCode OffsetsOwnership::check(int32_t p) const {
  std::lock_guard lock(mutex_);
  const Slot* s = slot(p);
  if (s == nullptr || s->status == Status::not_led) return ErrorCode::not_coordinator;
  if (!s->partition->is_leader()) return ErrorCode::not_coordinator;  // the listener's news is on its way
  return s->status == Status::loading ? ErrorCode::coordinator_load_in_progress : ErrorCode::none;
}

std::shared_ptr<Partition> OffsetsOwnership::loaded(int32_t p) const {
  std::lock_guard lock(mutex_);
  const Slot* s = slot(p);
  if (s == nullptr || s->status != Status::loaded || !s->partition->is_leader()) return nullptr;
  return s->partition;
}

std::vector<int32_t> OffsetsOwnership::loaded_partitions() const {
  std::lock_guard lock(mutex_);
  std::vector<int32_t> result;
  for (size_t p = 0; p < slots_.size(); ++p)
    if (slots_[p].status == Status::loaded) result.push_back(static_cast<int32_t>(p));
  return result;
}

}  // namespace runnel::broker::group
