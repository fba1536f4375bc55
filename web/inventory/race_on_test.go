//go:build race

package inventory_test

// raceEnabled: the race detector makes the pure-Go SQLite several times slower.
const raceEnabled = true
