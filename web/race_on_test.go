//go:build race

package web_test

// raceEnabled: the race detector slows decoding several times over, so time budgets
// are stretched.
const raceEnabled = true
