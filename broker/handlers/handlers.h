#pragma once
// One handler file per API; each declares its entry (versions, handler).

#include "broker/api_table.h"

namespace runnel::broker {

ApiEntry produce_api();
ApiEntry fetch_api();
ApiEntry list_offsets_api();
ApiEntry metadata_api();
ApiEntry find_coordinator_api();
ApiEntry create_topics_api();
ApiEntry delete_topics_api();
ApiEntry delete_records_api();
ApiEntry describe_configs_api();
ApiEntry alter_configs_api();
ApiEntry incremental_alter_configs_api();
ApiEntry join_group_api();
ApiEntry sync_group_api();
ApiEntry heartbeat_api();
ApiEntry leave_group_api();
ApiEntry offset_commit_api();
ApiEntry offset_fetch_api();
ApiEntry describe_groups_api();
ApiEntry list_groups_api();
ApiEntry delete_groups_api();
ApiEntry init_producer_id_api();
ApiEntry offset_for_leader_epoch_api();

}  // namespace runnel::broker
