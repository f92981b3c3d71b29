package authserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/lestrrat-go/jwx/v3/jwk"
)

// signingKey is an ES256 key of the server.
type signingKey struct {
	kid     string
	priv    *ecdsa.PrivateKey
	created time.Time
	retired time.Time // zero while it signs
}

// SignatureAlgorithm, Key and ID implement op.SigningKey.
func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k *signingKey) Key() any                                    { return k.priv }
func (k *signingKey) ID() string                                  { return k.kid }

// publicKey implements op.Key.
type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.kid }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.priv.PublicKey }

// keyring holds the signing keys, persisted in oauth_keys.
type keyring struct {
	db          *sql.DB
	rotateAfter time.Duration // a key older than this is replaced
	keepRetired time.Duration // a retired key verifies this long

	mu       sync.RWMutex
	active   *signingKey
	verifies []*signingKey // active and recently retired
	onChange func([]*signingKey)
}

// load reads the keys, creating (or rotating) the active key as needed.
func (kr *keyring) load(ctx context.Context) error {
	rows, err := kr.db.QueryContext(ctx, `SELECT kid, private_der, created_ns, retired_ns FROM oauth_keys ORDER BY created_ns`)
	if err != nil {
		return fmt.Errorf("authserver: read keys: %w", err)
	}
	var keys []*signingKey
	for rows.Next() {
		var kid string
		var der []byte
		var created int64
		var retired sql.NullInt64
		if err := rows.Scan(&kid, &der, &created, &retired); err != nil {
			rows.Close()
			return err
		}
		pk, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			rows.Close()
			return fmt.Errorf("authserver: key %s: %w", kid, err)
		}
		ec, ok := pk.(*ecdsa.PrivateKey)
		if !ok {
			rows.Close()
			return fmt.Errorf("authserver: key %s is not an EC key", kid)
		}
		k := &signingKey{kid: kid, priv: ec, created: time.Unix(0, created)}
		if retired.Valid {
			k.retired = time.Unix(0, retired.Int64)
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := time.Now()
	var active *signingKey
	for _, k := range keys {
		if k.retired.IsZero() {
			active = k
		}
	}
	if active == nil || now.Sub(active.created) > kr.rotateAfter {
		if _, err := kr.rotate(ctx); err != nil {
			return err
		}
		return kr.load(ctx)
	}
	var verifies []*signingKey
	for _, k := range keys {
		if k.retired.IsZero() || now.Sub(k.retired) < kr.keepRetired {
			verifies = append(verifies, k)
		}
	}
	kr.mu.Lock()
	kr.active, kr.verifies = active, verifies
	f := kr.onChange
	kr.mu.Unlock()
	if f != nil {
		f(verifies)
	}
	return nil
}

// rotate makes a new active key and retires the old one (it keeps
// verifying for keepRetired). It does not reload.
func (kr *keyring) rotate(ctx context.Context) (string, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	kid := "mcpw-" + hex.EncodeToString(b[:])
	now := time.Now().UnixNano()
	tx, err := kr.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, `UPDATE oauth_keys SET retired_ns = ? WHERE retired_ns IS NULL`, now); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO oauth_keys (kid, alg, private_der, created_ns) VALUES (?, 'ES256', ?, ?)`, kid, der, now); err != nil {
		return "", err
	}
	return kid, tx.Commit()
}

// Rotate replaces the signing key now.
func (kr *keyring) Rotate(ctx context.Context) (string, error) {
	kid, err := kr.rotate(ctx)
	if err != nil {
		return "", err
	}
	return kid, kr.load(ctx)
}

func (kr *keyring) signing() *signingKey {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.active
}

func (kr *keyring) public() []*signingKey {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.verifies
}

// jwkSet converts keys for the resource server's verifier.
func jwkSet(keys []*signingKey) (jwk.Set, error) {
	set := jwk.NewSet()
	for _, k := range keys {
		pk, err := jwk.Import(&k.priv.PublicKey)
		if err != nil {
			return nil, err
		}
		_ = pk.Set(jwk.KeyIDKey, k.kid)
		_ = pk.Set(jwk.AlgorithmKey, "ES256")
		_ = pk.Set(jwk.KeyUsageKey, "sig")
		if err := set.AddKey(pk); err != nil {
			return nil, err
		}
	}
	return set, nil
}
