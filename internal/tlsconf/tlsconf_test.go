package tlsconf

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net/url"
	"testing"
)

func TestIdentity(t *testing.T) {
	u := func(s string) *url.URL { v, _ := url.Parse(s); return v }
	for _, tc := range []struct {
		name string
		cert x509.Certificate
		want string
		ok   bool
	}{
		{"spiffe", x509.Certificate{URIs: []*url.URL{u("https://example.org/x"), u("spiffe://example.org/ns/a")}, Subject: pkix.Name{CommonName: "a"}}, "spiffe://example.org/ns/a", true},
		{"common name", x509.Certificate{Subject: pkix.Name{CommonName: "ops"}}, "CN=ops", true},
		{"two spiffe ids", x509.Certificate{URIs: []*url.URL{u("spiffe://a/x"), u("spiffe://b/y")}, Subject: pkix.Name{CommonName: "ops"}}, "", false},
		{"nothing", x509.Certificate{}, "", false},
	} {
		got, ok := Identity(&tc.cert)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: %q %v", tc.name, got, ok)
		}
	}
}
