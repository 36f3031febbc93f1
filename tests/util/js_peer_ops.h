// What the replication interop tests share about the JS peer (peer.js via
// NodeProcess): starting one, checked calls, and one deterministic workload
// of hyperbee writes with the reads that check it. The writes are in
// bee.js's op shapes, so that bee can apply the same ones (ApplyOps) and,
// byte-compatible, hold the same log.
#ifndef BEE_TESTS_UTIL_JS_PEER_OPS_H_
#define BEE_TESTS_UTIL_JS_PEER_OPS_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "btree/bee.h"
#include "encoding/status.h"
#include "tests/util/node_process.h"
#include "tests/util/node_runner.h"  // SkipWithoutNode

namespace bee::test {

inline const std::string kWriterSeed(64, '1');  // hex of 32 bytes 0x11
inline const std::string kWrongKey(64, '7');    // a core nobody holds

// A started peer.js (REQUIREs it).
std::unique_ptr<NodeProcess> StartPeer();
// `command` on `peer`, which must succeed (REQUIREs it).
nlohmann::json Ok(NodeProcess& peer, const nlohmann::json& command);

std::string Hex(const std::string& s);
// The hex of "key-%04d".
std::string Key(int i);
nlohmann::json Put(int key, const std::string& value);
nlohmann::json Del(int key);

// 300 keys in batches, then overwrites and deletes one by one, so that the
// tree has several levels and old versions differ from the last one.
nlohmann::json WriterOps();
// Applies bee.js-shaped put/del/batch ops to a bee store.
Status ApplyOps(btree::Bee* bee, const nlohmann::json& ops);

// The reads a writer and its readers must answer alike; `versions` are the
// writer's versions after each op (the last is the current one).
std::vector<nlohmann::json> Reads(const nlohmann::json& versions);
// Every read gives the same answer on `reader` as on `writer`, and the
// answers are not trivially empty.
void CheckSameAnswers(NodeProcess& writer, NodeProcess& reader,
                      const nlohmann::json& versions);

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_JS_PEER_OPS_H_
