// What the kafkajs test scripts share: command-line arguments and failing with one line.
'use strict'

// The value after `name` on the command line; throws if it is missing.
function arg(name) {
  const i = process.argv.indexOf(name)
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`missing ${name}`)
  return process.argv[i + 1]
}

// Prints "FAIL: message" and exits with status 1.
function fail(message) {
  console.log(`FAIL: ${message}`)
  process.exit(1)
}

function check(cond, message) {
  if (!cond) fail(message)
}

module.exports = { arg, fail, check }
