// rabbitmq-stream-js-client 0.4.2 against RabbitMQ 3.10: on connect the client sends
// ExchangeCommandVersions, a stream protocol command that only RabbitMQ 3.11 and
// later know; 3.10 answers it by closing the connection, and the client dies on that
// Close frame ("Unknown response 22"). This wrapper skips the call when the server's
// peer properties say it is older than 3.11 (the client then assumes version 1 of
// every command, which 3.10 speaks).
// It patches the class at load time and leaves node_modules as npm installed it.
"use strict";
const semver = require("semver");
const { Connection } = require("rabbitmq-stream-js-client/dist/connection");

const exchangeCommandVersions = Connection.prototype.exchangeCommandVersions;
if (typeof exchangeCommandVersions !== "function") {
  throw new Error("rabbitmq-stream-js-client changed: Connection.exchangeCommandVersions is gone; revisit rabbitmq310.js");
}
Connection.prototype.exchangeCommandVersions = async function () {
  const server = semver.coerce(this.peerProperties && this.peerProperties.version);
  if (server && semver.lt(server, "3.11.0")) return true;
  return exchangeCommandVersions.call(this);
};

module.exports = require("rabbitmq-stream-js-client");
