package money

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

func bigs(ws ...int64) []*big.Int {
	out := make([]*big.Int, len(ws))
	for i, w := range ws {
		out[i] = big.NewInt(w)
	}
	return out
}

func TestSplitExamples(t *testing.T) {
	huge, _ := new(big.Int).SetString("340282366920938463463374607431768211457", 10) // 2^128 + 1
	for _, tc := range []struct {
		name    string
		total   int64
		weights []*big.Int
		want    []int64
	}{
		{"three equal, leftover øre to index 0", 100, bigs(1, 1, 1), []int64{34, 33, 33}},
		{"three equal, two øre left", 101, bigs(1, 1, 1), []int64{34, 34, 33}},
		{"credit mirrors charge", -100, bigs(1, 1, 1), []int64{-34, -33, -33}},
		{"ties go to the lower index, not the first listed weight", 1, bigs(0, 2, 2), []int64{0, 1, 0}},
		{"largest remainder wins over a lower index", 10, bigs(1, 2, 4), []int64{1, 3, 6}}, // 1.43, 2.86, 5.71
		{"zero weights get nothing", 7, bigs(0, 5, 0), []int64{0, 7, 0}},
		{"nil is zero", 7, []*big.Int{nil, big.NewInt(1)}, []int64{0, 7}},
		{"zero total", 0, bigs(3, 4), []int64{0, 0}},
		{"1 øre over four", 1, bigs(1, 1, 1, 1), []int64{1, 0, 0, 0}},
		{"all of MinInt64 to one", math.MinInt64, bigs(0, 9), []int64{0, math.MinInt64}},
		{"MinInt64 halved", math.MinInt64, bigs(1, 1), []int64{math.MinInt64 / 2, math.MinInt64 / 2}},
		{"MaxInt64 over three", math.MaxInt64, bigs(1, 1, 1), []int64{3074457345618258603, 3074457345618258602, 3074457345618258602}},
		{"weights beyond 128 bits", 10, []*big.Int{huge, huge, new(big.Int).Lsh(huge, 1)}, []int64{3, 2, 5}},
	} {
		got, err := Split(tc.total, tc.weights)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: Split(%d, %v) = %v, %v; want %v", tc.name, tc.total, tc.weights, got, err, tc.want)
		}
	}
}

func TestSplitErrors(t *testing.T) {
	for _, tc := range []struct {
		weights []*big.Int
		want    error
	}{
		{nil, ErrNoWeights},
		{bigs(0, 0), ErrNoWeights},
		{[]*big.Int{nil}, ErrNoWeights},
		{bigs(3, -1), ErrNegativeWeight},
	} {
		got, err := Split(100, tc.weights)
		if got != nil || !errors.Is(err, tc.want) {
			t.Errorf("Split(100, %v) = %v, %v; want %v", tc.weights, got, err, tc.want)
		}
	}
}

// refSplit is the largest-remainder method written the slow, obvious way with
// math/big, to check Split and Basis.Split against: share i is total × num[i] ÷ den.
func refSplit(total int64, num []*big.Int, den *big.Int) []int64 {
	m := new(big.Int).Abs(big.NewInt(total))
	type rem struct {
		r *big.Int
		i int
	}
	shares := make([]int64, len(num))
	rems := make([]rem, len(num))
	left := new(big.Int).Set(m)
	for i, n := range num {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(m, n), den, new(big.Int))
		shares[i] = q.Int64()
		left.Sub(left, q)
		rems[i] = rem{r, i}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r.Cmp(rems[b].r) > 0 })
	for k := int64(0); k < left.Int64(); k++ {
		shares[rems[k].i]++
	}
	if total < 0 {
		for i := range shares {
			shares[i] = -shares[i]
		}
	}
	return shares
}

// checkShares checks the invariants of a split of total by the exact fractions
// num[i] ÷ den, which sum to 1: the shares add up to total, have total's sign, are
// each the floor or floor+1 of their exact amount (in magnitude), and are what
// refSplit gives.
func checkShares(t testing.TB, total int64, num []*big.Int, den *big.Int, shares []int64) {
	t.Helper()
	if len(shares) != len(num) {
		t.Fatalf("%d shares for %d fractions", len(shares), len(num))
	}
	sum := new(big.Int)
	m := new(big.Int).Abs(big.NewInt(total))
	for i, s := range shares {
		sum.Add(sum, big.NewInt(s))
		if total >= 0 && s < 0 || total <= 0 && s > 0 {
			t.Fatalf("total %d: share %d is %d, of the wrong sign", total, i, s)
		}
		fl := new(big.Int).Quo(new(big.Int).Mul(m, num[i]), den)
		if d := new(big.Int).Sub(new(big.Int).Abs(big.NewInt(s)), fl); d.Sign() < 0 || d.Cmp(big.NewInt(1)) > 0 {
			t.Fatalf("total %d: share %d is %d, not the floor (%s) or floor+1 of its exact amount in magnitude", total, i, s, fl)
		}
	}
	if sum.Cmp(big.NewInt(total)) != 0 {
		t.Fatalf("shares %v add up to %s, not %d", shares, sum, total)
	}
	if want := refSplit(total, num, den); !slices.Equal(shares, want) {
		t.Fatalf("total %d: shares %v, but the largest-remainder method gives %v", total, shares, want)
	}
}

// sumOf returns Σ ws, nil counting as zero, and ws with nil replaced by zero.
func sumOf(ws []*big.Int) ([]*big.Int, *big.Int) {
	sum, out := new(big.Int), make([]*big.Int, len(ws))
	for i, w := range ws {
		if out[i] = w; w == nil {
			out[i] = new(big.Int)
		}
		sum.Add(sum, out[i])
	}
	return out, sum
}

// randomTotal returns a pool: mostly realistic amounts, sometimes 0, tiny, negative or
// at the ends of int64.
func randomTotal(r *rand.Rand) int64 {
	switch r.IntN(8) {
	case 0:
		return r.Int64N(200) - 100
	case 1:
		return -r.Int64N(1e9)
	case 2:
		return edgy(r)
	case 3:
		return r.Int64N(1e15)
	}
	return r.Int64N(1e9)
}

// randomWeights returns 1–120 weights of a random magnitude (from a few bits to far
// beyond 128), some zero, at least one positive.
func randomWeights(r *rand.Rand) []*big.Int {
	n := 1 + r.IntN(120)
	bitsPer := 1 + r.IntN(150)
	ws := make([]*big.Int, n)
	for i := range ws {
		w := new(big.Int)
		if r.IntN(4) > 0 {
			for w.BitLen() < bitsPer {
				w.Lsh(w, 32).Or(w, big.NewInt(int64(r.Uint32())))
			}
			w.Rsh(w, uint(w.BitLen()-r.IntN(bitsPer+1)))
		}
		ws[i] = w
	}
	ws[r.IntN(n)].Add(ws[r.IntN(n)], big.NewInt(1))
	return ws
}

// TestSplitProperties checks the invariants over 10,000 random totals and weights, and
// that the 128-bit path and the math/big path agree.
func TestSplitProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	small := 0
	for range 10000 / raceDivisor {
		total, ws := randomTotal(r), randomWeights(r)
		shares, err := Split(total, ws)
		if err != nil {
			t.Fatalf("Split(%d, %v): %v", total, ws, err)
		}
		num, den := sumOf(ws)
		checkShares(t, total, num, den, shares)
		again, _ := Split(total, ws)
		if !slices.Equal(shares, again) {
			t.Fatalf("Split(%d, %v) gave %v, then %v", total, ws, shares, again)
		}
		if den.BitLen() <= 128 {
			small++
			if viaBig := splitBig(total, ws, den); !slices.Equal(shares, viaBig) {
				t.Fatalf("Split(%d, %v): 128-bit path %v, math/big path %v", total, ws, shares, viaBig)
			}
		}
	}
	if small < 3000/raceDivisor || small > 9000/raceDivisor {
		t.Fatalf("%d of %d cases took the 128-bit path; the generator should exercise both", small, 10000/raceDivisor)
	}
}

// TestQuoRem checks the 128-bit division against math/big near its edges.
func TestQuoRem(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 200000 / raceDivisor {
		den := u128{r.Uint64() >> r.IntN(64), r.Uint64()}
		if r.IntN(4) == 0 {
			den.hi = 0
		}
		if den.isZero() {
			den.lo = 1
		}
		n := den
		if r.IntN(3) > 0 { // n ≤ den, often equal or just below
			n.lo, n.hi = r.Uint64(), r.Uint64()%(den.hi+1)
			if n.cmp(den) > 0 {
				n = den
			}
		}
		m := r.Uint64() >> r.IntN(64)
		if m > 1<<63 || r.IntN(8) == 0 {
			m = 1 << 63
		}
		q, rem := newDivisor(den).quoRem(m, n)
		p := new(big.Int).Mul(new(big.Int).SetUint64(m), n.big())
		wq, wr := new(big.Int).QuoRem(p, den.big(), new(big.Int))
		if !newDivisor(den).small {
			wr.Lsh(wr, uint(newDivisor(den).s))
		}
		if wq.Uint64() != q || wr.Cmp(rem.big()) != 0 {
			t.Fatalf("%d × %s ÷ %s = %d rem %s; want %s rem %s", m, n.big(), den.big(), q, rem.big(), wq, wr)
		}
	}
}

// TestDiv3Corrections divides numbers just below and at multiples of a 128-bit
// divisor, where the first estimate of the quotient is one too large and agrees with
// the dividend in its top two words: only the comparison of the lowest words finds it.
func TestDiv3Corrections(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for range 100000 / raceDivisor {
		den := u128{r.Uint64() | 1<<63, r.Uint64()}
		v := newDivisor(den)
		q := r.Uint64() >> (1 + r.IntN(63))
		// t = (q+1)×den; p = t − δ with 1 ≤ δ ≤ t's low word (so no borrow past it).
		tt := new(big.Int).Mul(new(big.Int).SetUint64(q+1), den.big())
		low := new(big.Int).And(tt, new(big.Int).SetUint64(math.MaxUint64)).Uint64()
		if low == 0 {
			continue
		}
		p := new(big.Int).Sub(tt, new(big.Int).SetUint64(1+r.Uint64()%low))
		if r.IntN(4) == 0 {
			p.Set(tt) // an exact multiple: remainder 0
		}
		var w [3]uint64
		for i := range w {
			w[i] = new(big.Int).Rsh(p, uint(64*i)).Uint64()
		}
		gotQ, gotR := v.div3(w[2], w[1], w[0])
		wantQ, wantR := new(big.Int).QuoRem(p, den.big(), new(big.Int))
		if gotQ != wantQ.Uint64() || gotR.big().Cmp(wantR) != 0 {
			t.Fatalf("%s ÷ %s = %d rem %s; want %s rem %s", p, den.big(), gotQ, gotR.big(), wantQ, wantR)
		}
	}
}
