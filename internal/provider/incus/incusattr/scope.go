package incusattr

import "github.com/rackform/terraform-provider-rack/internal/incus"

// ResolvedScope fills in the default remote and project; the scope is kept
// as it is when the remote is unknown (the error surfaces on the request).
func ResolvedScope(c *incus.Client, s incus.Scope) incus.Scope {
	resolved, err := c.Resolve(s)
	if err != nil {
		return s
	}
	return resolved
}
