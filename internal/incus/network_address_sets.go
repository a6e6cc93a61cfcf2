package incus

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// NetworkAddressSetPut is what can change on a network address set.
type NetworkAddressSetPut struct {
	Description string
	Addresses   []string
	Config      map[string]string
}

// NetworkAddressSet is a named list of addresses and subnets that ACL
// rules name as `$name`. It lives in its project when that project has
// features.networks, else in the default project (as ACLs do).
type NetworkAddressSet struct {
	Name string
	NetworkAddressSetPut
	Project string
	UsedBy  []string // the ACLs naming it in a rule, as incusd's used_by URLs
	ETag    string
}

func addressSetObject(s Scope, name string) string {
	return fmt.Sprintf("network address set %q (project %q, remote %q)", name, s.Project, s.Remote)
}

// GetNetworkAddressSet reads an address set with its ETag in one request.
// A server without the network_address_set extension is a Validation
// error that says so (requireOn404).
func (c *Client) GetNetworkAddressSet(ctx context.Context, s Scope, name string) (*NetworkAddressSet, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	a, etag, err := get(ctx, addressSetObject(s, name), address, func() (*api.NetworkAddressSet, string, error) {
		return srv.GetNetworkAddressSet(name)
	})
	if err != nil {
		return nil, c.requireOn404(ctx, s, NetworkAddressSets, blameObject(err, s, "", ""))
	}
	out := &NetworkAddressSet{
		Name: a.Name,
		NetworkAddressSetPut: NetworkAddressSetPut{
			Description: a.Description,
			Addresses:   append([]string{}, a.Addresses...),
			Config:      copyConfig(a.Config),
		},
		Project: a.Project,
		UsedBy:  sortedCopy(a.UsedBy),
		ETag:    etag,
	}
	if out.Project == "" {
		out.Project = s.Project
	}
	return out, nil
}

// CreateNetworkAddressSet creates an address set (one request). A taken
// name is a Conflict naming the import ID.
func (c *Client) CreateNetworkAddressSet(ctx context.Context, s Scope, name string, put NetworkAddressSetPut) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	req := api.NetworkAddressSetsPost{NetworkAddressSetPost: api.NetworkAddressSetPost{Name: name}, NetworkAddressSetPut: addressSetPut(put)}
	err = mutate(ctx, "the create request", addressSetObject(s, name), address, func() error {
		return srv.CreateNetworkAddressSet(req)
	})
	err = c.requireOn404(ctx, s, NetworkAddressSets, blameObject(err, s, "", ""))
	return taken(err, ImportID(s, name))
}

// UpdateNetworkAddressSet replaces what can change on an address set,
// guarded by etag when it is not empty.
func (c *Client) UpdateNetworkAddressSet(ctx context.Context, s Scope, name string, put NetworkAddressSetPut, etag string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the update request", addressSetObject(s, name), address, func() error {
		return srv.UpdateNetworkAddressSet(name, addressSetPut(put), etag)
	})
	return c.requireOn404(ctx, s, NetworkAddressSets, blameObject(err, s, "", ""))
}

// RenameNetworkAddressSet renames an address set in place. incusd refuses
// a taken name (a Conflict naming its import ID) and a set an ACL rule
// names (a Conflict listing the ACLs).
func (c *Client) RenameNetworkAddressSet(ctx context.Context, s Scope, from, to string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the rename request", addressSetObject(s, from), address, func() error {
		return srv.RenameNetworkAddressSet(from, api.NetworkAddressSetPost{Name: to})
	})
	err = taken(c.requireOn404(ctx, s, NetworkAddressSets, blameObject(err, s, "", "")), ImportID(s, to))
	return refusedInUseMatching(ctx, err, addressSetInUseTexts, c.addressSetUsedBy(s, from))
}

// DeleteNetworkAddressSet deletes an address set. One an ACL rule names is
// a Conflict listing the ACLs; a missing one is NotFound.
func (c *Client) DeleteNetworkAddressSet(ctx context.Context, s Scope, name string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the delete request", addressSetObject(s, name), address, func() error {
		return srv.DeleteNetworkAddressSet(name)
	})
	err = c.requireOn404(ctx, s, NetworkAddressSets, blameObject(err, s, "", ""))
	return refusedInUseMatching(ctx, err, addressSetInUseTexts, c.addressSetUsedBy(s, name))
}

func (c *Client) addressSetUsedBy(s Scope, name string) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		a, err := c.GetNetworkAddressSet(ctx, s, name)
		if err != nil {
			return nil, err
		}
		return a.UsedBy, nil
	}
}

// incusd's texts for address sets (Incus 6.12 and later;
// docs-internal/incus-error-texts.md):
//   - POST /1.0/network-address-sets (400): "The network address set already exists" (takenTexts)
//   - POST /1.0/network-address-sets/{name} (500): "Address set by that name: NAME exists already" (takenTexts)
//   - POST /1.0/network-address-sets/{name} (500): "Cannot rename address set that is in use"
//   - DELETE /1.0/network-address-sets/{name} (500): "Cannot delete address set that is in use"
//   - GET and the rest (404): "Network_address_set not found"
var addressSetInUseTexts = regexp.MustCompile(`^Cannot (?:delete|rename) address set that is in use$`)

func addressSetPut(p NetworkAddressSetPut) api.NetworkAddressSetPut {
	out := api.NetworkAddressSetPut{Description: p.Description, Addresses: p.Addresses, Config: p.Config}
	if out.Addresses == nil {
		out.Addresses = []string{}
	}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	return out
}

// aclAddressSetText is incusd's refusal of an ACL rule naming a set the
// ACL's project lacks (404, since v6.12.0): `Invalid ingress rule 0:
// Invalid Source: Failed getting network address set "web" for subject
// validation: Network_address_set not found`.
var aclAddressSetText = regexp.MustCompile(`^Invalid (ingress|egress) rule (\d+): Invalid (Source|Destination): Failed getting network address set "([^"]*)" for subject validation: Network_address_set not found$`)

// blameAddressSet turns that refusal into a NotFound of the address set,
// which is what is missing (not the ACL being written).
func blameAddressSet(err error, s Scope) error {
	var nfe *clienterr.NotFoundError
	if !errors.As(err, &nfe) {
		return err
	}
	m := aclAddressSetText.FindStringSubmatch(nfe.Message)
	if m == nil {
		return err
	}
	i, _ := strconv.Atoi(m[2])
	out := nf(addressSetObject(s, m[4]),
		fmt.Sprintf("%s rule %d (%s[%d] in the configuration, counting from 0) names address set $%s in its %s, and project %q has none of that name. "+
			"Create it first (a rack_incus_network_address_set the ACL refers to, so Terraform orders them) or correct the rule; `incus network address-set list %s: --project %s` lists the sets.",
			m[1], i, m[1], i, m[4], m[3], s.Project, s.Remote, s.Project))
	out.Status, out.Message, out.Err = nfe.Status, nfe.Message, err
	return out
}

// aclSetSubjectText is incusd's refusal, before 6.12, of a rule subject
// written `$name` (500): `Invalid ingress rule 0: Invalid Source: Invalid
// subject "$web"`.
var aclSetSubjectText = regexp.MustCompile(`^Invalid (?:ingress|egress) rule \d+: Invalid (?:Source|Destination): Invalid subject "\$[^"]*"$`)

// setSubjectOnOldServer adds to the refusal of a `$name` subject by a
// server without address sets that this is why (the server's version and
// the release that brought them); any other error is returned as it is.
func (c *Client) setSubjectOnOldServer(ctx context.Context, s Scope, err error) error {
	var ve *clienterr.ValidationError
	if !errors.As(err, &ve) || !aclSetSubjectText.MatchString(ve.Message) {
		return err
	}
	var missing *clienterr.ValidationError
	if cerr := c.CheckExtension(ctx, s, NetworkAddressSets, ve.Object); MissingExtension(cerr) && errors.As(cerr, &missing) {
		ve.Hint = strings.TrimSpace(ve.Hint + " A subject written $name is a network address set: " + missing.Hint)
	}
	return err
}
