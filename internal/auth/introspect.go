package auth

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Introspector validates opaque tokens at an RFC 7662 endpoint.
type Introspector struct {
	Endpoint     string
	ClientID     string
	ClientSecret string
	Issuer       string // expected iss, when the response has one
	Audience     string
	Client       *http.Client
	Now          func() time.Time
}

type introspection struct {
	Active   bool            `json:"active"`
	Scope    string          `json:"scope"`
	ClientID string          `json:"client_id"`
	Sub      string          `json:"sub"`
	Exp      int64           `json:"exp"`
	Nbf      int64           `json:"nbf"`
	Iss      string          `json:"iss"`
	Jti      string          `json:"jti"`
	Aud      json.RawMessage `json:"aud"`
}

// Verify asks the endpoint about tok.
func (in *Introspector) Verify(ctx context.Context, tok string) (*Identity, error) {
	form := url.Values{"token": {tok}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.Endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, unavailable("introspection request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(in.ClientID), url.QueryEscape(in.ClientSecret))
	c := in.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, unavailable("introspection endpoint unreachable: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, unavailable("introspection endpoint answered HTTP %d", resp.StatusCode)
	}
	var r introspection
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&r); err != nil {
		return nil, unavailable("introspection response: %v", err)
	}
	if !r.Active {
		return nil, invalid("token is not active (introspection)")
	}
	now := time.Now()
	if in.Now != nil {
		now = in.Now()
	}
	if r.Exp != 0 && now.After(time.Unix(r.Exp, 0)) {
		return nil, invalid("token expired (introspection)")
	}
	if r.Nbf != 0 && now.Before(time.Unix(r.Nbf, 0)) {
		return nil, invalid("token not valid yet (introspection)")
	}
	if r.Iss != "" && in.Issuer != "" && !sameIssuer(r.Iss, in.Issuer) {
		return nil, invalid("wrong issuer %q (introspection)", r.Iss)
	}
	if !audienceHas(r.Aud, in.Audience) {
		return nil, invalid("wrong audience (the token is not meant for this resource)")
	}
	if r.Sub == "" && r.ClientID == "" {
		return nil, invalid("introspection names neither sub nor client_id")
	}
	id := &Identity{Issuer: in.Issuer, Subject: r.Sub, ClientID: r.ClientID, TokenID: r.Jti,
		Scopes: strings.Fields(r.Scope), Method: MethodIntrospection}
	if id.Subject == "" {
		id.Subject = r.ClientID
	}
	if r.Exp != 0 {
		id.Expiry = time.Unix(r.Exp, 0)
	} else {
		id.Expiry = now.Add(time.Minute) // no exp: re-ask within a minute
	}
	return id, nil
}

func audienceHas(raw json.RawMessage, want string) bool {
	if len(raw) == 0 || want == "" {
		return false
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return AudienceMatches([]string{one}, want)
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return AudienceMatches(many, want)
	}
	return false
}
