package money

import (
	"cmp"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// ErrNoWeights is wrapped by the error of Split when there is nothing to split by: no
// weights at all, or every weight zero.
var ErrNoWeights = errors.New("money: no positive weight to split by")

// ErrNegativeWeight is wrapped by the error of Split for a weight below zero.
var ErrNegativeWeight = errors.New("money: negative weight")

// Split divides total into len(weights) shares proportional to the exact weights, so
// that share i is total × weights[i] ÷ Σ weights. Each share is that exact fraction
// floored to whole øre; the øre left over go one each to the shares with the largest
// remainders, ties to the lower index (callers pass members sorted by member code). The
// shares add up to total exactly, a zero weight gets 0, and the same input always gives
// the same output. A negative total is split by its magnitude and negated, so the
// shares of a credit mirror those of the charge. A nil weight counts as zero.
//
// Split returns nil and an error wrapping ErrNoWeights if weights is empty or all zero,
// or wrapping ErrNegativeWeight (naming the index) if a weight is negative.
func Split(total int64, weights []*big.Int) ([]int64, error) {
	small := make([]u128, len(weights))
	var sum u128
	fits := true
	for i, w := range weights {
		if w == nil {
			continue
		}
		if w.Sign() < 0 {
			return nil, fmt.Errorf("%w: weights[%d] = %s", ErrNegativeWeight, i, w)
		}
		v, ok := u128Of(w)
		if !ok {
			fits = false
			continue
		}
		var over bool
		small[i] = v
		if sum, over = sum.add(v); over {
			fits = false
		}
	}
	if fits {
		if sum.isZero() {
			return nil, fmt.Errorf("%w: %d weights, all zero", ErrNoWeights, len(weights))
		}
		return splitSmall(total, small, sum), nil
	}
	num := make([]*big.Int, len(weights))
	den := new(big.Int)
	for i, w := range weights {
		if num[i] = w; w == nil {
			num[i] = new(big.Int)
		}
		den.Add(den, num[i])
	}
	return splitBig(total, num, den), nil
}

// splitSmall is Split for weights num with den = Σ num in 128 bits.
func splitSmall(total int64, num []u128, den u128) []int64 {
	m := abs(total)
	div := newDivisor(den)
	shares := make([]int64, len(num))
	rems := make([]smallRem, 0, len(num))
	var given uint64
	for i, n := range num {
		q, r := div.quoRem(m, n)
		shares[i] = int64(q) // q ≤ m ≤ 2^63; see withSign
		given += q
		if !r.isZero() {
			rems = append(rems, smallRem{r, i})
		}
	}
	left := m - given
	if left > 0 {
		slices.SortFunc(rems, func(a, b smallRem) int {
			if c := b.r.cmp(a.r); c != 0 {
				return c
			}
			return cmp.Compare(a.i, b.i)
		})
		for _, r := range rems[:left] {
			shares[r.i]++
		}
	}
	return withSign(shares, total < 0)
}

type smallRem struct {
	r u128
	i int
}

// splitBig is Split for weights num with den = Σ num > 0, of any size.
func splitBig(total int64, num []*big.Int, den *big.Int) []int64 {
	m := abs(total)
	mb := new(big.Int).SetUint64(m)
	shares := make([]int64, len(num))
	type bigRem struct {
		r *big.Int
		i int
	}
	rems := make([]bigRem, 0, len(num))
	var given uint64
	p, q := new(big.Int), new(big.Int)
	for i, n := range num {
		r := new(big.Int)
		q.QuoRem(p.Mul(mb, n), den, r)
		shares[i] = int64(q.Uint64()) // q ≤ m because n ≤ den
		given += q.Uint64()
		if r.Sign() != 0 {
			rems = append(rems, bigRem{r, i})
		}
	}
	if left := m - given; left > 0 {
		slices.SortFunc(rems, func(a, b bigRem) int {
			if c := b.r.Cmp(a.r); c != 0 {
				return c
			}
			return cmp.Compare(a.i, b.i)
		})
		for _, r := range rems[:left] {
			shares[r.i]++
		}
	}
	return withSign(shares, total < 0)
}

// withSign negates the shares, magnitudes of at most |total| ≤ 2^63, for a negative
// total. A magnitude of 2^63 (all of math.MinInt64 to one share) is held as
// math.MinInt64 already and stays so when negated, which is the right answer.
func withSign(shares []int64, neg bool) []int64 {
	if neg {
		for i := range shares {
			shares[i] = -shares[i]
		}
	}
	return shares
}
