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

// divisor divides m×n by a fixed den ≥ n (so the quotient is at most m): den is
// normalised once, so each division is one hardware 128÷64 step plus at most two
// corrections (Knuth, TAOCP 4.3.1, algorithm D with a single quotient digit).
type divisor struct {
	d     u128 // den << s, top bit set; or den itself when it fits in 64 bits
	s     uint
	small bool
}

func newDivisor(den u128) divisor {
	if den.hi == 0 {
		return divisor{d: den, small: true}
	}
	s := uint(bits.LeadingZeros64(den.hi))
	return divisor{d: u128{den.hi<<s | den.lo>>(64-s), den.lo << s}, s: s}
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
// remainder shifted left by s. The shift by s keeps p's top word below 2^63 ≤ d.hi,
// as Div64 needs.
func (v divisor) div3(p2, p1, p0 uint64) (uint64, u128) {
	s := v.s
	n2, n1, n0 := p2<<s|p1>>(64-s), p1<<s|p0>>(64-s), p0<<s
	q, _ := bits.Div64(n2, n1, v.d.hi)
	// q is at most 2 too large; t = q×d in three words.
	t1, t0 := bits.Mul64(q, v.d.lo)
	t3, t2 := bits.Mul64(q, v.d.hi)
	t1, c := bits.Add64(t1, t2, 0)
	t2 = t3 + c
	for t2 > n2 || t2 == n2 && (t1 > n1 || t1 == n1 && t0 > n0) {
		q--
		var b uint64
		t0, b = bits.Sub64(t0, v.d.lo, 0)
		t1, b = bits.Sub64(t1, v.d.hi, b)
		t2 -= b
	}
	r0, b := bits.Sub64(n0, t0, 0)
	r1, _ := bits.Sub64(n1, t1, b)
	return q, u128{r1, r0}
}
