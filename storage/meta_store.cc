#include "storage/meta_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "storage/errc.h"

namespace runnel::storage {

struct MetaStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::WriteOptions sync_write;
};

namespace {
Result<void> check(const rocksdb::Status& status) {
  if (status.ok()) return {};
  return fail(Errc::io_error);
}
}  // namespace

MetaStore::MetaStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetaStore::~MetaStore() = default;

Result<std::unique_ptr<MetaStore>> MetaStore::open(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_open_files = 64;
  options.keep_log_file_num = 2;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::DB* db = nullptr;
  auto status = rocksdb::DB::Open(options, path, &db);
  if (!status.ok()) return fail(Errc::io_error);
  auto impl = std::make_unique<Impl>();
  impl->db.reset(db);
  impl->sync_write.sync = true;
  return std::unique_ptr<MetaStore>(new MetaStore(std::move(impl)));
}

Result<std::optional<std::string>> MetaStore::get(std::string_view key) const {
  std::string value;
  auto status = impl_->db->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value);
  if (status.IsNotFound()) return std::optional<std::string>{};
  if (auto r = check(status); !r) return fail(r.error());
  return std::optional<std::string>(std::move(value));
}

Result<void> MetaStore::put(std::string_view key, std::string_view value) {
  return check(impl_->db->Put(impl_->sync_write, rocksdb::Slice(key.data(), key.size()),
                              rocksdb::Slice(value.data(), value.size())));
}

Result<void> MetaStore::remove(std::string_view key) {
  return check(impl_->db->Delete(impl_->sync_write, rocksdb::Slice(key.data(), key.size())));
}

Result<void> MetaStore::write(const std::vector<Write>& writes, bool sync) {
  rocksdb::WriteBatch batch;
  for (const auto& w : writes) {
    if (w.value) batch.Put(w.key, *w.value);
    else batch.Delete(w.key);
  }
  rocksdb::WriteOptions options;
  options.sync = sync;
  return check(impl_->db->Write(options, &batch));
}

Result<void> MetaStore::remove_prefix(std::string_view prefix) {
  std::vector<Write> deletes;
  if (auto r = scan(prefix, [&](std::string_view key, std::string_view) { deletes.push_back({std::string(key), {}}); });
      !r)
    return r;
  return write(deletes, true);
}

Result<void> MetaStore::scan(std::string_view prefix,
                             const std::function<void(std::string_view, std::string_view)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid() && it->key().starts_with(
           rocksdb::Slice(prefix.data(), prefix.size()));
       it->Next())
    visit(std::string_view(it->key().data(), it->key().size()), std::string_view(it->value().data(), it->value().size()));
  return check(it->status());
}

}  // namespace runnel::storage
