#include "broker/api_table.h"

#include "broker/handlers/api_versions.h"
#include "broker/handlers/handlers.h"

namespace runnel::broker {

const std::vector<ApiEntry>& api_table() {
  static const std::vector<ApiEntry> table{
      produce_api(),          fetch_api(),         list_offsets_api(),   metadata_api(),
      find_coordinator_api(), api_versions_api(),  create_topics_api(),  delete_topics_api(),
      delete_records_api(),   describe_configs_api(), alter_configs_api(), incremental_alter_configs_api(),
      join_group_api(),       sync_group_api(),    heartbeat_api(),      leave_group_api(),
      offset_commit_api(),    offset_fetch_api(),  describe_groups_api(), list_groups_api(),
      delete_groups_api(),    init_producer_id_api(), offset_for_leader_epoch_api(),
  };
  return table;
}

const ApiEntry* find_api(int16_t api_key) {
  for (const auto& api : api_table())
    if (api.api_key == api_key) return &api;
  return nullptr;
}

}  // namespace runnel::broker
