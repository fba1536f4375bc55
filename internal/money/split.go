package money

import (
	"errors"
	"fmt"
	"math/big"
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
	var buf [128]smallRem // the remainders of a usual pool stay on the stack
	rems := buf[:0]
	if len(num) > len(buf) {
		rems = make([]smallRem, 0, len(num))
	}
	var given uint64
	for i, n := range num {
		q, r := div.quoRem(m, n)
		shares[i] = int64(q) // q ≤ m ≤ 2^63; see withSign
		given += q
		if !r.isZero() {
			rems = append(rems, smallRem{r.hi, r.lo, i})
		}
	}
	if left := int(m - given); left > 0 {
		firstSmall(rems, left)
		for _, r := range rems[:left] {
			shares[r.i]++
		}
	}
	return withSign(shares, total < 0)
}

// smallRem is a share's remainder; its order puts the larger remainder first and,
// between equal ones, the lower index.
type smallRem struct {
	hi, lo uint64
	i      int
}

func (a *smallRem) before(b *smallRem) bool {
	return a.hi > b.hi || a.hi == b.hi && (a.lo > b.lo || a.lo == b.lo && a.i < b.i)
}

// firstSmall is first for smallRem with the comparison inlined, which a func value
// cannot be; the selection is a hot part of every split.
func firstSmall(xs []smallRem, k int) {
	lo, hi := 0, len(xs)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if xs[mid].before(&xs[lo]) {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if xs[hi-1].before(&xs[mid]) {
			xs[hi-1], xs[mid] = xs[mid], xs[hi-1]
			if xs[mid].before(&xs[lo]) {
				xs[mid], xs[lo] = xs[lo], xs[mid]
			}
		}
		xs[mid], xs[hi-1] = xs[hi-1], xs[mid]
		pivot, p := &xs[hi-1], lo
		for j := lo; j < hi-1; j++ {
			if xs[j].before(pivot) {
				xs[p], xs[j] = xs[j], xs[p]
				p++
			}
		}
		xs[p], xs[hi-1] = xs[hi-1], xs[p]
		switch {
		case k < p:
			hi = p
		case k > p+1:
			lo = p + 1
		default:
			return
		}
	}
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
		first(rems, int(left), func(a, b bigRem) bool {
			c := a.r.Cmp(b.r)
			return c > 0 || c == 0 && a.i < b.i
		})
		for _, r := range rems[:left] {
			shares[r.i]++
		}
	}
	return withSign(shares, total < 0)
}

// first reorders xs so that xs[:k] are its k first elements in the strict order
// before, in some order (quickselect: linear on average, where a sort would be n log n;
// remainders are ordered largest first, ties by index, so no two are equal).
func first[T any](xs []T, k int, before func(a, b T) bool) {
	lo, hi := 0, len(xs)
	for hi-lo > 1 {
		// The median of three as pivot, moved to the end, then Lomuto's partition.
		mid := lo + (hi-lo)/2
		if before(xs[mid], xs[lo]) {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if before(xs[hi-1], xs[mid]) {
			xs[hi-1], xs[mid] = xs[mid], xs[hi-1]
			if before(xs[mid], xs[lo]) {
				xs[mid], xs[lo] = xs[lo], xs[mid]
			}
		}
		xs[mid], xs[hi-1] = xs[hi-1], xs[mid]
		p := lo
		for j := lo; j < hi-1; j++ {
			if before(xs[j], xs[hi-1]) {
				xs[p], xs[j] = xs[j], xs[p]
				p++
			}
		}
		xs[p], xs[hi-1] = xs[hi-1], xs[p]
		switch {
		case k < p:
			hi = p
		case k > p+1:
			lo = p + 1
		default:
			return
		}
	}
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
