package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/demo"
	"github.com/mcpwarden/mcpwarden/internal/tlsconf"
)

// pki is a test certificate authority.
type pki struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newPKI(t testing.TB, name string) *pki {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &pki{cert: c, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a leaf and returns its certificate and key as PEM.
func (p *pki) issue(t testing.TB, cn string, spiffe []string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sn, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: sn, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	for _, s := range spiffe {
		u, _ := url.Parse(s)
		tmpl.URIs = append(tmpl.URIs, u)
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalPKCS8PrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// tlsClient is an HTTPS client trusting ca, presenting cert (if any).
func tlsClient(t testing.TB, ca *pki, certPEM, keyPEM []byte) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	tc := &tls.Config{RootCAs: pool}
	if certPEM != nil {
		c, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		tc.Certificates = []tls.Certificate{c}
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
}

func rawTLS(t *testing.T, hc *http.Client, endpoint, sid, body string) (int, http.Header, string, error) {
	t.Helper()
	req, _ := http.NewRequest("POST", endpoint, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if sid != "" {
		req.Header.Set("Mcp-Session-Id", sid)
		req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b), nil
}

// TestMTLS: the listener serves TLS and requires client certificates; a
// certificate's SPIFFE ID (or CN) is the principal, with its configured
// scopes; upstream https is verified, with a public-key pin.
func TestMTLS(t *testing.T) {
	dir := t.TempDir()
	ca := newPKI(t, "mcpwarden test CA")
	other := newPKI(t, "another CA")
	srvCert, srvKey := ca.issue(t, "gateway", nil, true)
	ciCert, ciKey := ca.issue(t, "ci", []string{"spiffe://example.org/ns/ci/sa/build"}, false)
	opsCert, opsKey := ca.issue(t, "ops", nil, false)
	strangerCert, strangerKey := ca.issue(t, "stranger", nil, false)
	forgedCert, forgedKey := other.issue(t, "ops", []string{"spiffe://example.org/ns/ci/sa/build"}, false)

	// An https upstream (Go SDK demo server) with its own certificate.
	up := httptest.NewUnstartedServer(demo.HTTPHandler(demo.Options{Name: "pinned"}))
	up.StartTLS()
	t.Cleanup(up.Close)
	upCA := writeFile(t, dir, "upstream-ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: up.Certificate().Raw}))
	pin := tlsconf.SPKIHash(up.Certificate())
	wrongPin := tlsconf.SPKIHash(ca.cert)

	cfg := `
listen: {{LISTEN}}
tls:
  cert_file: ` + writeFile(t, dir, "server.pem", srvCert) + `
  key_file: ` + writeFile(t, dir, "server.key", srvKey) + `
  client_ca_file: ` + writeFile(t, dir, "ca.pem", ca.pem) + `
  principals:
    "spiffe://example.org/ns/ci/sa/build": {scopes: [demo.read]}
    "CN=ops": {scopes: [demo.read, demo.admin]}
servers:
  demo:
    command: "@self"
    args: ["demo-server", "--name", "demo"]
    timeout: 5s
    tools:
      echo: {scopes: [demo.read]}
      "*": {scopes: [demo.admin]}
  pinned:
    url: ` + up.URL + `
    timeout: 5s
    tls: {ca_file: ` + upCA + `, pin_sha256: ["` + pin + `"]}
    tools:
      "*": {scopes: [demo.read]}
  badpin:
    url: ` + up.URL + `
    timeout: 5s
    connect_timeout: 2s
    tls: {ca_file: ` + upCA + `, pin_sha256: ["` + wrongPin + `"]}
    tools:
      "*": {scopes: [demo.read]}
  untrusted:
    url: ` + up.URL + `
    timeout: 5s
    connect_timeout: 2s
    tools:
      "*": {scopes: [demo.read]}
policy:
  default: allow
audit:
  file: audit.jsonl
store:
  path: gateway.db
`
	g := startGatewayNoWait(t, cfg)
	endpoint := "https://" + g.Addr + "/mcp"
	ci := tlsClient(t, ca, ciCert, ciKey)
	// Wait until the gateway serves TLS and its good upstreams are up.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := ci.Get("https://" + g.Addr + "/healthz")
		if err == nil {
			var h struct {
				Servers map[string]bool `json:"servers"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if h.Servers["demo"] && h.Servers["pinned"] {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway not ready over TLS: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	t.Run("HandshakeRefusals", func(t *testing.T) {
		for name, hc := range map[string]*http.Client{
			"no client certificate":     tlsClient(t, ca, nil, nil),
			"certificate of another CA": tlsClient(t, ca, forgedCert, forgedKey),
		} {
			if _, _, _, err := rawTLS(t, hc, endpoint, "", initBody); err == nil {
				t.Errorf("%s: the TLS handshake succeeded", name)
			}
		}
		// Plain HTTP on the TLS port is not served.
		resp, err := http.Post("http://"+g.Addr+"/mcp", "application/json", strings.NewReader(initBody))
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				t.Fatalf("plain HTTP answered: %s", b)
			}
		}
	})

	t.Run("UnknownIdentity", func(t *testing.T) {
		st, _, body, err := rawTLS(t, tlsClient(t, ca, strangerCert, strangerKey), endpoint, "", initBody)
		if err != nil || st != 401 || !strings.Contains(body, "CN=stranger is not a configured principal") {
			t.Fatalf("stranger: %d %s %v", st, body, err)
		}
	})

	t.Run("SPIFFEPrincipalScopes", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c := mcp.NewClient(&mcp.Implementation{Name: "mtls-client", Version: "1"}, nil)
		cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: ci}, legacySession)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		tools, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		names := toolNames(tools)
		if !contains(names, "demo__echo") || contains(names, "demo__get_env") || !contains(names, "pinned__echo") {
			t.Fatalf("tools %v", names)
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "demo__echo", Arguments: map[string]any{"message": "over mTLS"}})
		if err != nil || res.IsError || !strings.Contains(textOf(res), "over mTLS") {
			t.Fatalf("echo: %v %+v", err, res)
		}
		// Through the pinned https upstream.
		res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "pinned__echo", Arguments: map[string]any{"message": "pinned"}})
		if err != nil || res.IsError || !strings.Contains(textOf(res), "pinned") {
			t.Fatalf("pinned echo: %v %+v", err, res)
		}
		// demo.admin is not among its scopes.
		res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "demo__get_env", Arguments: map[string]any{}})
		if err == nil && !res.IsError {
			t.Fatalf("get_env allowed: %+v", res)
		}
	})

	t.Run("SessionBoundToCertificate", func(t *testing.T) {
		ops := tlsClient(t, ca, opsCert, opsKey)
		st, h, body, err := rawTLS(t, ops, endpoint, "", initBody)
		if err != nil || st != 200 {
			t.Fatalf("ops initialize: %d %s %v", st, body, err)
		}
		sid := h.Get("Mcp-Session-Id")
		call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"demo__get_env","arguments":{}}}`
		if st, _, body, _ := rawTLS(t, ops, endpoint, sid, call); st != 200 || strings.Contains(body, `"error"`) {
			t.Fatalf("ops (demo.admin) get_env: %d %s", st, body)
		}
		// The ci certificate on ops's session: refused.
		if st, _, body, _ := rawTLS(t, ci, endpoint, sid, call); st != 403 {
			t.Fatalf("another certificate on the session: %d %s", st, body)
		}
	})

	t.Run("PinMismatch", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c := mcp.NewClient(&mcp.Implementation{Name: "mtls-client", Version: "1"}, nil)
		cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: ci}, legacySession)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "badpin__echo", Arguments: map[string]any{"message": "x"}})
		if err == nil && !res.IsError {
			t.Fatalf("call through a mismatched pin succeeded: %+v", res)
		}
		found := false
		for _, ev := range eventsOf(auditEvents(t, g.Audit), "upstream.error") {
			if ev["server"] == "badpin" && strings.Contains(toJSON(ev), "certificate pin mismatch") {
				found = true
			}
		}
		if !found {
			t.Fatal("no upstream.error event naming the pin mismatch")
		}
		// A certificate the gateway does not trust (no ca_file for this
		// server): a clear error, never a silent downgrade.
		res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "untrusted__echo", Arguments: map[string]any{"message": "x"}})
		if err == nil && !res.IsError {
			t.Fatalf("call to an upstream with an untrusted certificate succeeded: %+v", res)
		}
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("untrusted upstream: %v (want an error naming the certificate)", err)
		}
	})

	t.Run("Audit", func(t *testing.T) {
		var ok bool
		for _, ev := range eventsOf(auditEvents(t, g.Audit), "tools/call") {
			p, _ := ev["principal"].(map[string]any)
			if ev["tool"] == "echo" && ev["server"] == "demo" && p["subject"] == "spiffe://example.org/ns/ci/sa/build" && p["auth_method"] == "mtls" {
				ok = true
			}
		}
		if !ok {
			t.Fatal("no tools/call event with the SPIFFE principal")
		}
	})
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
