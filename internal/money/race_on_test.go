//go:build race

package money

// raceDivisor shrinks the random cases under the race detector: this package starts no
// goroutines, so -race finds nothing here and would only make math/big ten times
// slower (the PostgreSQL pass of make test runs with -race). Without -race, as in the
// embedded pass, every property test runs its full count.
const raceDivisor = 5
