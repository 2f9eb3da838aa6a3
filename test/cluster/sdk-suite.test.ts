/**
 * The single-node SDK suites, run again against a three-node cluster: every
 * suite's startTestServer() then starts three in-process cluster nodes (each
 * with its own RocksDB and peer port, talking over TCP) and points the client
 * at node 2, so every table is split over ranges led by all three nodes and
 * most requests are routed to another node's range leader.
 */
process.env.RANGEDB_TEST_TARGET = 'cluster';

const suites = ['items', 'query-scan', 'batches', 'transactions', 'indexes', 'legacy', 'tables', 'table-admin'];
for (const suite of suites) await import(`../server/sdk/${suite}.test.js`);
