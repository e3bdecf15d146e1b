// Package scale holds monitord's proof under load and faults, as tests
// that run the whole daemon against the fake upstreams of
// internal/testupstream:
//
//   - TestScale (MONITORD_SCALE=1) and TestScaleShort: 2,000 symbols and
//     1,000 feeds of 50 items (200 and 100 in the short run) polled on
//     short schedules by a daemon in a child process, with the cost of
//     every cycle read from /proc and from the daemon's /metrics;
//   - TestChaos: upstreams that stall, reset, truncate, send 10 MB, storm
//     429s and alternate 500s while the daemon, in-process, keeps polling;
//   - TestCrashLoop: a daemon killed with SIGKILL at random points and
//     restarted, until every expected alert has been delivered;
//   - TestSoak (200 cycles with MONITORD_SOAK=1, 20 otherwise): headlines
//     on many feeds and price moves, cycle after cycle, while the daemon's
//     heap in use and anonymous RSS must stay within 10 % of where the
//     warm-up left them;
//   - TestLatency (MONITORD_LATENCY=1) and TestLatencyShort: 2,000 symbols
//     (200) through a per-ticker, a batched and a market-wide feed, each on
//     a news host of its own, with stories appearing at random times; per
//     shape, the time from the host serving a story to its webhook (p99
//     under 100 ms) and from its appearing, and each host's requests an
//     hour.
//
// The child processes are this test binary re-executed (see TestMain): the
// daemon runs alone in them, so what /proc reports is the daemon's cost,
// not the harness's. docs/PERFORMANCE.md has the numbers.
package scale
