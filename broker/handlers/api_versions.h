#pragma once

#include "broker/api_table.h"

namespace runnel::broker {

ApiEntry api_versions_api();
// ApiVersions v0-layout UNSUPPORTED_VERSION answer, for a version above the
// served range (KIP-511: the client retries with a lower version).
Response unsupported_api_versions_response();

}  // namespace runnel::broker
