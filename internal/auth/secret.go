package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// BcryptCost is the work factor for new password hashes; tests lower it.
var BcryptCost = 12

// HashPassword returns a bcrypt hash of pw. bcrypt reads at most 72 bytes, so longer
// passwords are refused by validation before they get here.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), BcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether pw matches hash.
func CheckPassword(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

var (
	dummyOnce sync.Once
	dummy     string
)

// dummyHash is compared against when the e-mail is unknown, so that an unknown e-mail
// costs the same time as a wrong password; it is made with the current cost.
func dummyHash() string {
	dummyOnce.Do(func() { dummy, _ = HashPassword("not-a-real-password") })
	return dummy
}

// newToken returns a random token with a prefix telling its kind, and the hash stored.
func newToken(prefix string) (plain, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	plain = prefix + base64.RawURLEncoding.EncodeToString(b)
	return plain, hashToken(plain)
}

// hashToken is SHA-256: tokens are 256 random bits, so a slow hash adds nothing.
func hashToken(plain string) string {
	s := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(s[:])
}
