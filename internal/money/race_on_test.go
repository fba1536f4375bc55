//go:build race

package money

// raceDivisor shrinks the random cases under the race detector: this package starts no
// goroutines, so -race finds nothing here and would only make math/big ten times
// slower (the suite runs with -race twice in CI). Without -race every property test
// runs its full count.
const raceDivisor = 5
