// Command confclient is the client under test for the conformance suite's
// client authorization scenarios (`conformance client --suite auth`): it
// runs mcpwarden in-process with the scenario's MCP server as an upstream
// that needs OAuth (servers.up.oauth), and plays an MCP client and its
// user through the gateway. The OAuth client being tested is the gateway's
// (package upstreamauth): discovery, registration, PKCE, resource
// indicators, scope selection and step-up all happen there. The "user"
// part is what a browser would do: open the link the gateway returns in
// its URL elicitation error, approve the gateway's consent page, and let
// the authorization server redirect back (the suite's authorization
// server approves at once).
//
// Usage (as the suite calls it): confclient SERVER_URL, with
// MCP_CONFORMANCE_SCENARIO and MCP_CONFORMANCE_CONTEXT in the environment.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpwarden/mcpwarden/internal/app"
	"github.com/mcpwarden/mcpwarden/internal/config"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "confclient:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) < 2 {
		return errors.New("usage: confclient SERVER_URL")
	}
	serverURL := os.Args[len(os.Args)-1]
	var cctx struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if c := os.Getenv("MCP_CONFORMANCE_CONTEXT"); c != "" {
		_ = json.Unmarshal([]byte(c), &cctx)
	}
	dir, err := os.MkdirTemp("", "confclient-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	oauth := "{client_metadata_url: \"https://conformance-test.local/client-metadata.json\""
	if cctx.ClientID != "" {
		oauth += ", client_id: " + cctx.ClientID
		if cctx.ClientSecret != "" {
			os.Setenv("CONFCLIENT_SECRET", cctx.ClientSecret)
			oauth += ", client_secret: \"env:CONFCLIENT_SECRET\""
		}
	}
	oauth += "}"
	cfgText := fmt.Sprintf(`listen: %s
servers:
  up:
    url: %s
    timeout: 10s
    oauth: %s
policy:
  default: allow
audit:
  file: audit.jsonl
`, ln.Addr(), serverURL, oauth)
	cfgPath := filepath.Join(dir, "mcpwarden.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		return err
	}
	cfg, _, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	rt, err := app.Open(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer rt.Close()
	go func() { _ = rt.Serve(ctx, ln) }()

	c := mcp.NewClient(&mcp.Implementation{Name: "mcpwarden-confclient", Version: "1"}, nil)
	// The 2025-11-25 conformance line: a session client.
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: "http://" + ln.Addr().String() + "/mcp"}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		return fmt.Errorf("connect to the gateway: %w", err)
	}
	defer cs.Close()
	user := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// Each step may need the user to authorize (at most three times, as
	// the specification's step-up rules ask of clients).
	authorizations := 0
	step := func(name string, f func() error) error {
		for {
			err := f()
			u, ok := authorizationURL(err)
			if err != nil && !ok {
				var we *jsonrpc.Error
				if errors.As(err, &we) {
					fmt.Fprintf(os.Stderr, "confclient: %s: code %d data %s\n", name, we.Code, we.Data)
				}
			}
			if !ok {
				return err
			}
			if authorizations == 3 {
				return fmt.Errorf("%s: still unauthorized after %d authorizations: %w", name, authorizations, err)
			}
			authorizations++
			fmt.Fprintf(os.Stderr, "confclient: %s needs authorization; opening %s\n", name, u)
			if err := browse(ctx, user, u); err != nil {
				return fmt.Errorf("%s: authorize: %w", name, err)
			}
		}
	}
	if err := step("tools/call", func() error {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "up__test-tool", Arguments: map[string]any{}})
		if err != nil {
			return err
		}
		if res.IsError {
			return fmt.Errorf("tools/call: isError")
		}
		return nil
	}); err != nil {
		return err
	}
	if err := step("tools/list", func() error {
		res, err := cs.ListTools(ctx, nil)
		if err == nil && len(res.Tools) == 0 {
			return errors.New("tools/list: no tools")
		}
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "confclient: done")
	return nil
}

// authorizationURL reads the URL of a URL elicitation error (-32042).
func authorizationURL(err error) (string, bool) {
	var we *jsonrpc.Error
	if !errors.As(err, &we) || we.Code != -32042 {
		return "", false
	}
	var data struct {
		Elicitations []struct {
			URL string `json:"url"`
		} `json:"elicitations"`
	}
	if json.Unmarshal(we.Data, &data) != nil || len(data.Elicitations) == 0 {
		return "", false
	}
	return data.Elicitations[0].URL, true
}

var (
	flowRE = regexp.MustCompile(`name="flow" value="([^"]+)"`)
	csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

// browse does what the user's browser would: open the gateway's link,
// approve its consent page, and follow the redirects through the
// authorization server back to the gateway.
func browse(ctx context.Context, hc *http.Client, u string) error {
	var post url.Values // the consent form, once seen
	for hops := 0; hops < 10; hops++ {
		var req *http.Request
		if post != nil {
			req, _ = http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(post.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			post = nil
		} else {
			req, _ = http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		switch {
		case resp.StatusCode/100 == 3:
			next, err := req.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				return err
			}
			u = next.String()
		case resp.StatusCode == 200 && flowRE.Match(body):
			// The gateway's consent page: approve (the form posts back to
			// the same page).
			post = url.Values{"flow": {string(flowRE.FindSubmatch(body)[1])}, "csrf": {string(csrfRE.FindSubmatch(body)[1])}, "decision": {"approve"}}
		case resp.StatusCode == 200:
			return nil // the gateway's "connected" page
		default:
			return fmt.Errorf("%s %s: HTTP %d: %s", req.Method, u, resp.StatusCode, strings.TrimSpace(string(body)))
		}
	}
	return errors.New("too many redirects")
}
