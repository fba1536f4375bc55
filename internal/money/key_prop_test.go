package money

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// frac is a fraction n/d kept unreduced: the reference below needs no gcd, which
// would make it slower than the code under test by far.
type frac struct{ n, d *big.Int }

func fr(n, d int64) frac { return frac{big.NewInt(n), big.NewInt(d)} }

func (a frac) add(b frac) frac {
	n := new(big.Int).Mul(a.n, b.d)
	return frac{n.Add(n, new(big.Int).Mul(b.n, a.d)), new(big.Int).Mul(a.d, b.d)}
}

func (a frac) mul(b frac) frac {
	return frac{new(big.Int).Mul(a.n, b.n), new(big.Int).Mul(a.d, b.d)}
}

func (a frac) cmp(b frac) int {
	return new(big.Int).Mul(a.n, b.d).Cmp(new(big.Int).Mul(b.n, a.d))
}

// refFractions is the allocation key's formula of API.md written directly: a fixed
// member gets share_bp ÷ 10000; another gets the rest × Σ_f w_f ÷ W × v_if ÷ V_f over
// the factors whose weight and values are not zero. ok is false when part of the pool
// has nowhere to go.
func refFractions(w Weights, ps []Participant) (out []frac, ok bool) {
	rest := fr(1, 1)
	var sums [4]int64
	for _, p := range ps {
		if p.Fixed {
			rest = rest.add(fr(-p.ShareBP, 10000))
			continue
		}
		for f := range factors {
			sums[f] += p.value(f) // the generator keeps these sums within int64
		}
	}
	weight := new(big.Int)
	for f := range factors {
		if w.of(f) > 0 && sums[f] > 0 {
			weight.Add(weight, big.NewInt(w.of(f)))
		}
	}
	for _, p := range ps {
		share := fr(0, 1)
		switch {
		case p.Fixed:
			share = fr(p.ShareBP, 10000)
		case weight.Sign() > 0 && rest.n.Sign() > 0:
			for f := range factors {
				if w.of(f) > 0 && sums[f] > 0 {
					share = share.add(frac{big.NewInt(w.of(f)), weight}.mul(fr(p.value(f), sums[f])))
				}
			}
			share = share.mul(rest)
		}
		out = append(out, share)
	}
	// The shares sum to 1 unless the rest has no factor to go by (the caller checks
	// the sum of the basis it compares against).
	return out, len(ps) > 0 && (rest.n.Sign() == 0 || weight.Sign() > 0)
}

// randomKey returns a pool's participants and key: 1–120 members with realistic
// inhabitants (a few thousand to a million), 65+ figures and usage; some with fixed
// shares (sometimes summing to exactly 10000); weights mostly 0–100, sometimes huge;
// now and then zero usage everywhere, or figures so large that the 128-bit path cannot
// hold them.
func randomKey(r *rand.Rand) (Weights, []Participant) {
	n := 1 + r.IntN(120)
	huge := r.IntN(10) == 0
	noUsage := r.IntN(5) == 0
	ps := make([]Participant, n)
	for i := range ps {
		inh := 2_000 + r.Int64N(1_000_000)
		if r.IntN(20) == 0 {
			inh = 0
		}
		p := free(inh, inh*(10+r.Int64N(20))/100, r.Int64N(40_000))
		if noUsage || r.IntN(4) == 0 {
			p.Usage = 0
		}
		if huge {
			p.Inhabitants = r.Int64N(1 << 55)
			p.Usage = r.Int64N(1 << 55)
		}
		ps[i] = p
	}
	bp := int64(10000)
	for range r.IntN(4) {
		i := r.IntN(n)
		if !ps[i].Fixed {
			ps[i] = fixed(r.Int64N(bp + 1))
			bp -= ps[i].ShareBP
		}
	}
	if r.IntN(10) == 0 && ps[0].Fixed {
		ps[0].ShareBP += bp // exactly 10000
	}
	weight := func() int64 {
		switch r.IntN(6) {
		case 0, 1:
			return 0
		case 2:
			if huge {
				return r.Int64N(1 << 62)
			}
		}
		return 1 + r.Int64N(100)
	}
	return Weights{weight(), weight(), weight(), weight()}, ps
}

// TestBasisProperties checks the formula over 10,000 random pools and keys: the
// fractions are those of API.md exactly, the shares add up to the pool, have its sign,
// are each the floor or floor+1 of their exact amount, are what the largest-remainder
// method gives, come out the same every time, and the 128-bit and math/big paths agree.
func TestBasisProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	small, failed := 0, 0
	for k := range 10000 / raceDivisor {
		w, ps := randomKey(r)
		total := randomTotal(r)
		want, ok := refFractions(w, ps)
		b, err := NewBasis(w, ps)
		if !ok {
			if !errors.Is(err, ErrNoBasis) {
				t.Fatalf("NewBasis(%+v, %+v) = %v; want ErrNoBasis", w, ps, err)
			}
			failed++
			continue
		}
		if err != nil {
			t.Fatalf("NewBasis(%+v, %+v): %v", w, ps, err)
		}
		if b.small {
			small++
		}
		num, den := basisNumDen(b)
		if _, sum := sumOf(num); sum.Cmp(den) != 0 {
			t.Fatalf("NewBasis(%+v, %+v): fractions sum to %s/%s, not 1", w, ps, sum, den)
		}
		for i, f := range want {
			if got := (frac{num[i], den}); got.cmp(f) != 0 {
				t.Fatalf("NewBasis(%+v, %+v): fraction %d = %s/%s; want %s/%s", w, ps, i, num[i], den, f.n, f.d)
			}
			if k%100 == 0 && b.Fraction(i).Cmp(new(big.Rat).SetFrac(f.n, f.d)) != 0 {
				t.Fatalf("NewBasis(%+v, %+v): Fraction(%d) = %s; want %s/%s", w, ps, i, b.Fraction(i), f.n, f.d)
			}
		}
		shares := b.Split(total)
		checkShares(t, total, num, den, shares)
		b2, _ := NewBasis(w, ps)
		viaBig, _ := newBasis(w, ps, true)
		if again, big := b2.Split(total), viaBig.Split(total); !slices.Equal(shares, again) || !slices.Equal(shares, big) {
			t.Fatalf("NewBasis(%+v, %+v).Split(%d) = %v, then %v, via math/big %v", w, ps, total, shares, again, big)
		}
	}
	if small < 5000/raceDivisor || small == 10000/raceDivisor-failed || failed == 0 {
		t.Fatalf("%d cases on the 128-bit path, %d without a basis: the generator should exercise every path", small, failed)
	}
}

// basisNumDen returns b's numerators and common denominator in math/big.
func basisNumDen(b *Basis) ([]*big.Int, *big.Int) {
	if !b.small {
		return b.bigNum, b.bigDen
	}
	num := make([]*big.Int, len(b.num))
	for i, n := range b.num {
		num[i] = n.big()
	}
	return num, b.den.big()
}

// TestMoveOneInhabitant moves one inhabitant from one member to another in random
// pools: no share moves by more than one øre beyond the move of its exact share, and a
// member whose exact share stays the same moves by at most one øre.
func TestMoveOneInhabitant(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	moved := 0
	for range 10000 / raceDivisor {
		w, ps := randomKey(r)
		w.Inhabitants = 1 + r.Int64N(100)
		total := randomTotal(r)
		from, to := r.IntN(len(ps)), r.IntN(len(ps))
		if from == to || ps[from].Fixed || ps[to].Fixed || ps[from].Inhabitants == 0 {
			continue
		}
		before, err := NewBasis(w, ps)
		if err != nil {
			continue
		}
		after := slices.Clone(ps)
		after[from].Inhabitants--
		after[to].Inhabitants++
		b2, err := NewBasis(w, after)
		if err != nil {
			t.Fatalf("moving an inhabitant made the key fail: %v", err)
		}
		moved++
		s1, s2 := before.Split(total), b2.Split(total)
		// With exact shares e = total × n ÷ d, the test is |Δs − Δe| ≤ 1, that is
		// |Δs·d1·d2 − total·(n2·d1 − n1·d2)| ≤ d1·d2, all in integers.
		n1, d1 := basisNumDen(before)
		n2, d2 := basisNumDen(b2)
		dd := new(big.Int).Mul(d1, d2)
		tot := big.NewInt(total)
		for i := range ps {
			exactMove := new(big.Int).Mul(n2[i], d1)
			exactMove.Sub(exactMove, new(big.Int).Mul(n1[i], d2)).Mul(exactMove, tot)
			off := new(big.Int).Mul(big.NewInt(s2[i]-s1[i]), dd)
			if off.Sub(off, exactMove).CmpAbs(dd) > 0 {
				t.Fatalf("pool %d, inhabitant moved from %d to %d: share %d went %d → %d, its exact share moved by %s",
					total, from, to, i, s1[i], s2[i], new(big.Rat).SetFrac(exactMove, dd).FloatString(4))
			}
			if exactMove.Sign() == 0 && (s2[i]-s1[i] > 1 || s1[i]-s2[i] > 1) {
				t.Fatalf("share %d moved %d → %d while its exact share stayed", i, s1[i], s2[i])
			}
		}
	}
	if moved < 2000/raceDivisor {
		t.Fatalf("only %d moves tried", moved)
	}
}
