package money

import (
	"math/big"
	"math/bits"
)

// u128 is an unsigned 128-bit integer. Splits whose common denominator fits in 128 bits
// (every realistic allocation key) are computed in it without allocating; anything
// larger goes through math/big, and the tests check that both give the same answer.
type u128 struct{ hi, lo uint64 }

func (a u128) isZero() bool { return a.hi == 0 && a.lo == 0 }

func (a u128) cmp(b u128) int {
	switch {
	case a.hi != b.hi:
		if a.hi < b.hi {
			return -1
		}
		return 1
	case a.lo != b.lo:
		if a.lo < b.lo {
			return -1
		}
		return 1
	}
	return 0
}

// add returns a+b and whether it overflowed.
func (a u128) add(b u128) (u128, bool) {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, c := bits.Add64(a.hi, b.hi, c)
	return u128{hi, lo}, c != 0
}

// mul64 returns a×b and whether it overflowed.
func (a u128) mul64(b uint64) (u128, bool) {
	h1, lo := bits.Mul64(a.lo, b)
	h2, l2 := bits.Mul64(a.hi, b)
	hi, c := bits.Add64(h1, l2, 0)
	return u128{hi, lo}, h2 != 0 || c != 0
}

// mul returns a×b and whether it overflowed.
func (a u128) mul(b u128) (u128, bool) {
	if a.hi != 0 && b.hi != 0 {
		return u128{}, true
	}
	if a.hi != 0 {
		a, b = b, a
	}
	return b.mul64(a.lo)
}

func (a u128) big() *big.Int {
	x := new(big.Int).SetUint64(a.hi)
	return x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(a.lo))
}

// u128Of returns x as a u128, and false if x is negative or needs more than 128 bits.
func u128Of(x *big.Int) (u128, bool) {
	if x.Sign() < 0 || x.BitLen() > 128 {
		return u128{}, false
	}
	if bits.UintSize == 64 {
		var v [2]uint64
		for i, w := range x.Bits() {
			v[i] = uint64(w)
		}
		return u128{v[1], v[0]}, true
	}
	var b [16]byte
	x.FillBytes(b[:])
	return u128{beUint64(b[:8]), beUint64(b[8:])}, true
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// divisor divides m×n by a fixed den ≥ n (so the quotient is at most m). A den of more
// than 64 bits is normalised once and its reciprocal taken, so that each division
// is a few multiplications and no hardware division (Möller and Granlund, "Improved
// division by invariant integers", 2011, algorithms 5 and 6, as GMP's udiv_qr_3by2).
type divisor struct {
	d     u128 // den << s, top bit set; or den itself when it fits in 64 bits
	s     uint
	inv   uint64 // floor((2^192 − 1) ÷ d) − 2^64
	small bool
}

func newDivisor(den u128) divisor {
	if den.hi == 0 {
		return divisor{d: den, small: true}
	}
	s := uint(bits.LeadingZeros64(den.hi))
	d := u128{den.hi<<s | den.lo>>(64-s), den.lo << s}
	return divisor{d: d, s: s, inv: reciprocal(d.hi, d.lo)}
}

// reciprocal returns floor((2^192 − 1) ÷ d1:d0) − 2^64 for d1 ≥ 2^63.
func reciprocal(d1, d0 uint64) uint64 {
	v, _ := bits.Div64(^d1, ^uint64(0), d1) // floor((2^128 − 1) ÷ d1) − 2^64
	p := d1*v + d0
	if p < d0 {
		v--
		if p >= d1 {
			v--
			p -= d1
		}
		p -= d1
	}
	t1, t0 := bits.Mul64(v, d0)
	p += t1
	if p < t1 {
		v--
		if p > d1 || p == d1 && t0 >= d0 {
			v--
		}
	}
	return v
}

// quoRem returns floor(m×n/den) and a remainder that orders like the true one (it is
// the true remainder shifted left by the divisor's s bits). It needs n ≤ den.
func (v divisor) quoRem(m uint64, n u128) (uint64, u128) {
	if v.small {
		hi, lo := bits.Mul64(m, n.lo)
		q, r := bits.Div64(hi, lo, v.d.lo) // hi < den because m×n/den ≤ m
		return q, u128{0, r}
	}
	// p = m×n in three words.
	h1, p0 := bits.Mul64(n.lo, m)
	h2, l2 := bits.Mul64(n.hi, m)
	p1, c := bits.Add64(h1, l2, 0)
	return v.div3(h2+c, p1, p0)
}

// div3 divides p2:p1:p0 ≤ 2^63·den by den (not small), returning the quotient and the
// remainder shifted left by s. After the shift by s the top word is below 2^63 ≤ d.hi,
// as the algorithm needs.
func (v divisor) div3(p2, p1, p0 uint64) (uint64, u128) {
	s, d1, d0 := v.s, v.d.hi, v.d.lo
	n2, n1, n0 := p2<<s|p1>>(64-s), p1<<s|p0>>(64-s), p0<<s
	q, q0 := bits.Mul64(n2, v.inv)
	q0, c := bits.Add64(q0, n1, 0)
	q, _ = bits.Add64(q, n2, c)
	// r = n − q×d − d in the two low words, then q+1 is the candidate quotient.
	r1 := n1 - d1*q
	r0, b := bits.Sub64(n0, d0, 0)
	r1, _ = bits.Sub64(r1, d1, b)
	t1, t0 := bits.Mul64(d0, q)
	r0, b = bits.Sub64(r0, t0, 0)
	r1, _ = bits.Sub64(r1, t1, b)
	q++
	if r1 >= q0 { // one too many
		q--
		r0, c = bits.Add64(r0, d0, 0)
		r1, _ = bits.Add64(r1, d1, c)
	}
	if r1 > d1 || r1 == d1 && r0 >= d0 { // rare: one too few
		q++
		r0, b = bits.Sub64(r0, d0, 0)
		r1, _ = bits.Sub64(r1, d1, b)
	}
	return q, u128{r1, r0}
}
