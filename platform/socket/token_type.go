package socket

import "strings"

// DefaultTokenType is the type of a token whose provider named none
// (RFC 6749 asks for token_type, but some providers leave it out).
const DefaultTokenType = "Bearer"

// TokenTypeOrDefault returns typ, or DefaultTokenType when the provider gave none.
func TokenTypeOrDefault(typ string) string {
	if typ == "" {
		return DefaultTokenType
	}
	return typ
}

// AuthorizationHeader is the header line that sends token: "Authorization:
// Bearer eyJ...".
func AuthorizationHeader(typ, token string) string {
	return "Authorization: " + AuthorizationValue(typ, token)
}

// AuthorizationValue is the Authorization header's value for token:
// "Bearer eyJ...", with the token's real type. A "bearer" in another case
// (Zepto says "bearer") is written as RFC 6750 spells it, since some APIs
// compare the scheme case-sensitively.
func AuthorizationValue(typ, token string) string {
	typ = TokenTypeOrDefault(typ)
	if strings.EqualFold(typ, DefaultTokenType) {
		typ = DefaultTokenType
	}
	return typ + " " + token
}
