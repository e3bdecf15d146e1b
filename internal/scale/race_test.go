//go:build race

package scale

// raceEnabled says the race detector is on: it keeps shadow memory and
// metadata of its own for every address and lock the daemon ever used,
// which grow its RSS whatever the daemon keeps (see TestSoak).
const raceEnabled = true
