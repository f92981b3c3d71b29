// Package tlsconf builds the gateway's TLS configurations: the listener's
// (server certificate, client certificates verified against configured
// roots) and each https upstream's (extra roots, a client certificate,
// public-key pins checked in addition to normal verification, never
// instead), and reads a verified client certificate's identity.
//
// It guards against a silent downgrade: a certificate that fails
// verification, or a chain without a pinned key, is an error with the
// reason, and no option here turns verification off.
package tlsconf

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mcpwarden/mcpwarden/internal/config"
)

// Server returns the listener's TLS configuration.
func Server(c *config.ListenTLS) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("tls.cert_file/key_file: %w", err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if c.ClientCAFile != "" {
		pool, err := loadPool(c.ClientCAFile, nil)
		if err != nil {
			return nil, fmt.Errorf("tls.client_ca_file: %w", err)
		}
		tc.ClientCAs = pool
		tc.ClientAuth = tls.RequireAndVerifyClientCert
		if c.ClientCerts == config.ClientCertsOptional {
			tc.ClientAuth = tls.VerifyClientCertIfGiven
		}
	}
	return tc, nil
}

// Upstream returns the TLS configuration for an https upstream, or nil for
// Go's defaults (system roots, hostname and expiry checked).
func Upstream(c *config.UpstreamTLS) (*tls.Config, error) {
	if c == nil {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName}
	if c.CAFile != "" {
		sys, _ := x509.SystemCertPool()
		pool, err := loadPool(c.CAFile, sys)
		if err != nil {
			return nil, fmt.Errorf("tls.ca_file: %w", err)
		}
		tc.RootCAs = pool
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls.cert_file/key_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	if len(c.PinSHA256) > 0 {
		pins := map[string]bool{}
		for _, p := range c.PinSHA256 {
			pins[p] = true
		}
		// Runs after Go's own verification (chain, name, expiry), which
		// this never replaces.
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			for _, chain := range cs.VerifiedChains {
				for _, cert := range chain {
					if pins[SPKIHash(cert)] {
						return nil
					}
				}
			}
			if len(cs.PeerCertificates) > 0 {
				return fmt.Errorf("certificate pin mismatch: the chain of %s has no key pinned in pin_sha256 (leaf key %s)", cs.PeerCertificates[0].Subject, SPKIHash(cs.PeerCertificates[0]))
			}
			return errors.New("certificate pin mismatch: no verified chain")
		}
	}
	return tc, nil
}

// SPKIHash is the base64 SHA-256 of a certificate's SubjectPublicKeyInfo
// (the pin format of pin_sha256, as in HPKP).
func SPKIHash(c *x509.Certificate) string {
	h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(h[:])
}

func loadPool(path string, base *x509.CertPool) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := base
	if pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s: no PEM certificates", path)
	}
	return pool, nil
}

// Identity is the identity of a verified client certificate: its SPIFFE
// ID (the one URI SAN with scheme spiffe; a certificate with several is
// refused, as SPIFFE requires exactly one), else "CN=" + the subject's
// common name. ok is false for a certificate without either.
func Identity(c *x509.Certificate) (string, bool) {
	var spiffe []string
	for _, u := range c.URIs {
		if strings.EqualFold(u.Scheme, "spiffe") {
			spiffe = append(spiffe, u.String())
		}
	}
	switch {
	case len(spiffe) == 1:
		return spiffe[0], true
	case len(spiffe) > 1:
		return "", false
	case c.Subject.CommonName != "":
		return "CN=" + c.Subject.CommonName, true
	}
	return "", false
}
