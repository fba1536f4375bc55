//go:build !race

package money

// raceDivisor: see race_on_test.go.
const raceDivisor = 1
