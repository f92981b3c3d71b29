package protocol

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Binding is what a sealed requestState is bound to: a state opened under
// any other binding fails (it is the AEAD's additional data).
type Binding struct {
	Principal   string // guard.Principal.Key()
	Correlation string // the client's correlation (virtual session id)
	Method      string
	Digest      string // CallDigest of the call's name or URI and arguments
}

func (b Binding) aad() []byte {
	return []byte("mcpwarden-requestState-v1\x00" + b.Principal + "\x00" + b.Correlation + "\x00" + b.Method + "\x00" + b.Digest)
}

// Errors of Sealer.Open.
var (
	ErrStateInvalid = errors.New("requestState is invalid")
	ErrStateExpired = errors.New("requestState has expired")
)

// Sealer seals the requestState the gateway hands to a client
// (AES-256-GCM, random 96-bit nonce per seal, an expiry inside, bound to
// principal, correlation, method and call digest). The client can neither
// read nor forge it, nor use it for another principal, client, method or
// call.
type Sealer struct {
	aead cipher.AEAD
	now  func() time.Time
}

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("sealer key must be 32 bytes, got %d", len(key))
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, now: time.Now}, nil
}

// NewRandomSealer returns a Sealer with a fresh random key (states do not
// outlive the process: the calls they resume do not either).
func NewRandomSealer() *Sealer {
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	s, _ := NewSealer(k[:])
	return s
}

type sealedState struct {
	Exp int64           `json:"e"`
	V   json.RawMessage `json:"v"`
}

// Seal encodes v, valid for ttl, bound to b.
func (s *Sealer) Seal(v any, b Binding, ttl time.Duration) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	pt, err := json.Marshal(sealedState{Exp: s.now().Add(ttl).UnixMilli(), V: raw})
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(pt)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, pt, b.aad())), nil
}

// Open decodes a sealed state into v; ErrStateInvalid when it was not
// sealed here under b (tampered, forged, another principal or call),
// ErrStateExpired when its time is up.
func (s *Sealer) Open(tok string, b Binding, v any) error {
	ct, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(ct) < s.aead.NonceSize()+s.aead.Overhead() {
		return ErrStateInvalid
	}
	pt, err := s.aead.Open(nil, ct[:s.aead.NonceSize()], ct[s.aead.NonceSize():], b.aad())
	if err != nil {
		return ErrStateInvalid
	}
	var st sealedState
	if json.Unmarshal(pt, &st) != nil {
		return ErrStateInvalid
	}
	if s.now().UnixMilli() > st.Exp {
		return ErrStateExpired
	}
	if v == nil {
		return nil
	}
	if json.Unmarshal(st.V, v) != nil {
		return ErrStateInvalid
	}
	return nil
}

// CallDigest is the SHA-256 of a call's salient parameters: its name (or
// URI) and its arguments in canonical form (keys sorted, numbers as
// written), so a state cannot be replayed against other arguments.
func CallDigest(name string, args json.RawMessage) string {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(canonical(args))
	return hex.EncodeToString(h.Sum(nil))
}

func canonical(raw json.RawMessage) []byte {
	if len(raw) == 0 || string(raw) == "null" {
		return []byte("null")
	}
	var v any
	dec := json.NewDecoder(bytesReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return b
}
