package specgen

import (
	"crypto/sha256"
	"strings"
	"testing"

	"filippo.io/age"
)

// Recipient's keys are real: encoding a scalar as an age identity with the
// same bech32 encoder, age derives from it the recipient Recipient prints.
func TestRecipientIsTheIdentitysPublicKey(t *testing.T) {
	for _, seed := range []string{"node/cp1", "admin-1", "flux"} {
		scalar := sha256.Sum256([]byte("hlcgen specgen " + seed))
		id, err := age.ParseX25519Identity(strings.ToUpper(bech32Encode("age-secret-key-", scalar[:])))
		if err != nil {
			t.Fatalf("%s: age rejects the identity: %v", seed, err)
		}
		if got, want := Recipient(seed), id.Recipient().String(); got != want {
			t.Errorf("Recipient(%q) = %s, age derives %s", seed, got, want)
		}
	}
}
