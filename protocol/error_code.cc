#include "protocol/error_code.h"

namespace runnel::protocol {

std::string_view error_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::unknown_server_error: return "UNKNOWN_SERVER_ERROR";
    case ErrorCode::none: return "NONE";
    case ErrorCode::offset_out_of_range: return "OFFSET_OUT_OF_RANGE";
    case ErrorCode::corrupt_message: return "CORRUPT_MESSAGE";
    case ErrorCode::unknown_topic_or_partition: return "UNKNOWN_TOPIC_OR_PARTITION";
    case ErrorCode::invalid_fetch_size: return "INVALID_FETCH_SIZE";
    case ErrorCode::leader_not_available: return "LEADER_NOT_AVAILABLE";
    case ErrorCode::not_leader_or_follower: return "NOT_LEADER_OR_FOLLOWER";
    case ErrorCode::request_timed_out: return "REQUEST_TIMED_OUT";
    case ErrorCode::message_too_large: return "MESSAGE_TOO_LARGE";
    case ErrorCode::offset_metadata_too_large: return "OFFSET_METADATA_TOO_LARGE";
    case ErrorCode::coordinator_load_in_progress: return "COORDINATOR_LOAD_IN_PROGRESS";
    case ErrorCode::coordinator_not_available: return "COORDINATOR_NOT_AVAILABLE";
    case ErrorCode::not_coordinator: return "NOT_COORDINATOR";
    case ErrorCode::invalid_topic_exception: return "INVALID_TOPIC_EXCEPTION";
    case ErrorCode::record_list_too_large: return "RECORD_LIST_TOO_LARGE";
    case ErrorCode::not_enough_replicas: return "NOT_ENOUGH_REPLICAS";
    case ErrorCode::not_enough_replicas_after_append: return "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    case ErrorCode::invalid_required_acks: return "INVALID_REQUIRED_ACKS";
    case ErrorCode::illegal_generation: return "ILLEGAL_GENERATION";
    case ErrorCode::inconsistent_group_protocol: return "INCONSISTENT_GROUP_PROTOCOL";
    case ErrorCode::invalid_group_id: return "INVALID_GROUP_ID";
    case ErrorCode::unknown_member_id: return "UNKNOWN_MEMBER_ID";
    case ErrorCode::invalid_session_timeout: return "INVALID_SESSION_TIMEOUT";
    case ErrorCode::rebalance_in_progress: return "REBALANCE_IN_PROGRESS";
    case ErrorCode::invalid_commit_offset_size: return "INVALID_COMMIT_OFFSET_SIZE";
    case ErrorCode::topic_authorization_failed: return "TOPIC_AUTHORIZATION_FAILED";
    case ErrorCode::invalid_timestamp: return "INVALID_TIMESTAMP";
    case ErrorCode::unsupported_sasl_mechanism: return "UNSUPPORTED_SASL_MECHANISM";
    case ErrorCode::illegal_sasl_state: return "ILLEGAL_SASL_STATE";
    case ErrorCode::unsupported_version: return "UNSUPPORTED_VERSION";
    case ErrorCode::topic_already_exists: return "TOPIC_ALREADY_EXISTS";
    case ErrorCode::invalid_partitions: return "INVALID_PARTITIONS";
    case ErrorCode::invalid_replication_factor: return "INVALID_REPLICATION_FACTOR";
    case ErrorCode::invalid_replica_assignment: return "INVALID_REPLICA_ASSIGNMENT";
    case ErrorCode::invalid_config: return "INVALID_CONFIG";
    case ErrorCode::not_controller: return "NOT_CONTROLLER";
    case ErrorCode::invalid_request: return "INVALID_REQUEST";
    case ErrorCode::unsupported_for_message_format: return "UNSUPPORTED_FOR_MESSAGE_FORMAT";
    case ErrorCode::policy_violation: return "POLICY_VIOLATION";
    case ErrorCode::out_of_order_sequence_number: return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case ErrorCode::duplicate_sequence_number: return "DUPLICATE_SEQUENCE_NUMBER";
    case ErrorCode::invalid_producer_epoch: return "INVALID_PRODUCER_EPOCH";
    case ErrorCode::kafka_storage_error: return "KAFKA_STORAGE_ERROR";
    case ErrorCode::log_dir_not_found: return "LOG_DIR_NOT_FOUND";
    case ErrorCode::unknown_producer_id: return "UNKNOWN_PRODUCER_ID";
    case ErrorCode::non_empty_group: return "NON_EMPTY_GROUP";
    case ErrorCode::group_id_not_found: return "GROUP_ID_NOT_FOUND";
    case ErrorCode::fenced_leader_epoch: return "FENCED_LEADER_EPOCH";
    case ErrorCode::unknown_leader_epoch: return "UNKNOWN_LEADER_EPOCH";
    case ErrorCode::unsupported_compression_type: return "UNSUPPORTED_COMPRESSION_TYPE";
    case ErrorCode::member_id_required: return "MEMBER_ID_REQUIRED";
    case ErrorCode::group_max_size_reached: return "GROUP_MAX_SIZE_REACHED";
    case ErrorCode::fenced_instance_id: return "FENCED_INSTANCE_ID";
    case ErrorCode::invalid_record: return "INVALID_RECORD";
  }
  return "UNKNOWN";
}

}  // namespace runnel::protocol
