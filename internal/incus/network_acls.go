package incus

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// ACLRule is one rule of a network ACL, as incusd stores it ("" for a
// field the rule does not set).
type ACLRule struct {
	Action          string
	Source          string
	Destination     string
	Protocol        string
	SourcePort      string
	DestinationPort string
	ICMPType        string
	ICMPCode        string
	State           string
	Description     string
}

// NetworkACLPut is what can change on a network ACL.
type NetworkACLPut struct {
	Description string
	Config      map[string]string
	Ingress     []ACLRule
	Egress      []ACLRule
}

// NetworkACL is an Incus network ACL.
type NetworkACL struct {
	Name string
	NetworkACLPut
	Project string
	UsedBy  []string // incusd's used_by URLs: the networks, profiles and instances naming it in security.acls
	ETag    string
}

func networkACLObject(s Scope, name string) string {
	return fmt.Sprintf("network ACL %q (project %q, remote %q)", name, s.Project, s.Remote)
}

// GetNetworkACL reads an ACL with its ETag in one request.
func (c *Client) GetNetworkACL(ctx context.Context, s Scope, name string) (*NetworkACL, error) {
	srv, s, address, err := c.at(s)
	if err != nil {
		return nil, err
	}
	a, etag, err := get(ctx, networkACLObject(s, name), address, func() (a *api.NetworkACL, etag string, err error) {
		err = retryRace(ctx, aclUsageRace, func() (err error) {
			a, etag, err = srv.GetNetworkACL(name)
			return err
		})
		return a, etag, err
	})
	if err != nil {
		return nil, blameObject(err, s, "", "")
	}
	out := &NetworkACL{
		Name: a.Name,
		NetworkACLPut: NetworkACLPut{
			Description: a.Description,
			Config:      copyConfig(a.Config),
			Ingress:     rulesFromAPI(a.Ingress),
			Egress:      rulesFromAPI(a.Egress),
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

// CreateNetworkACL creates an ACL with its rules (one request). A taken
// name is a Conflict naming the import ID; a rule incusd refuses is a
// Validation error saying which one (badRule).
func (c *Client) CreateNetworkACL(ctx context.Context, s Scope, name string, put NetworkACLPut) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	req := api.NetworkACLsPost{NetworkACLPost: api.NetworkACLPost{Name: name}, NetworkACLPut: networkACLPut(put)}
	err = mutate(ctx, "the create request", networkACLObject(s, name), address, func() error {
		return srv.CreateNetworkACL(req)
	})
	return taken(c.setSubjectOnOldServer(ctx, s, badRule(blameAddressSet(blameObject(err, s, "", ""), s), put)), ImportID(s, name))
}

// UpdateNetworkACL replaces what can change on an ACL, guarded by etag
// when it is not empty: an ACL changed since it was read is a Conflict.
func (c *Client) UpdateNetworkACL(ctx context.Context, s Scope, name string, put NetworkACLPut, etag string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the update request", networkACLObject(s, name), address, func() error {
		return srv.UpdateNetworkACL(name, networkACLPut(put), etag)
	})
	return c.setSubjectOnOldServer(ctx, s, badRule(blameAddressSet(blameObject(err, s, "", ""), s), put))
}

// RenameNetworkACL renames an ACL in place. incusd refuses to rename one
// in use (a Conflict listing the users) or to a taken name (a Conflict
// naming its import ID).
func (c *Client) RenameNetworkACL(ctx context.Context, s Scope, from, to string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the rename request", networkACLObject(s, from), address, func() error {
		return srv.RenameNetworkACL(from, api.NetworkACLPost{Name: to})
	})
	err = taken(blameObject(err, s, "", ""), ImportID(s, to))
	return refusedInUseMatching(ctx, err, aclInUseTexts, c.aclUsedBy(s, from))
}

// DeleteNetworkACL deletes an ACL. One still named in security.acls (of a
// network, a profile's or an instance's NIC) is a Conflict listing them;
// a missing one is NotFound.
func (c *Client) DeleteNetworkACL(ctx context.Context, s Scope, name string) error {
	srv, s, address, err := c.at(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the delete request", networkACLObject(s, name), address, func() error {
		return retryRace(ctx, aclUsageRace, func() error { return srv.DeleteNetworkACL(name) })
	})
	return refusedInUseMatching(ctx, blameObject(err, s, "", ""), aclInUseTexts, c.aclUsedBy(s, name))
}

func (c *Client) aclUsedBy(s Scope, name string) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		a, err := c.GetNetworkACL(ctx, s, name)
		if err != nil {
			return nil, err
		}
		return a.UsedBy, nil
	}
}

// incusd 6.0.4's texts for ACLs (docs-internal/incus-error-texts.md):
//   - POST /1.0/network-acls (400): "The network ACL already exists" (takenTexts)
//   - POST /1.0/network-acls/{name} (500): "An ACL by that name exists already" (takenTexts)
//   - DELETE /1.0/network-acls/{name} (500): "Cannot delete an ACL that is in use"
//   - POST /1.0/network-acls/{name} (500): "Cannot rename an ACL that is in use"
//   - POST /1.0/network-acls and PUT /1.0/network-acls/{name} (500):
//     "Invalid ingress rule 1: Action must be one of: allow, allow-stateless, drop, reject"
var (
	aclInUseTexts = regexp.MustCompile(`^Cannot (?:delete|rename) an ACL that is in use$`)
	aclRuleText   = regexp.MustCompile(`^Invalid (ingress|egress) rule (\d+): (.+)$`)
)

// badRule says which rule of the request incusd refused: its list, its
// index (from 0, as in the configuration's ingress[1]) and the rule itself.
func badRule(err error, put NetworkACLPut) error {
	var ve *clienterr.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	m := aclRuleText.FindStringSubmatch(ve.Message)
	if m == nil {
		return err
	}
	i, convErr := strconv.Atoi(m[2])
	rules := put.Ingress
	if m[1] == "egress" {
		rules = put.Egress
	}
	if convErr != nil || i < 0 || i >= len(rules) {
		return err
	}
	ve.Hint = fmt.Sprintf("incusd refused %s rule %d (%s[%d] in the configuration, counting from 0: %s): %s. Correct that rule and apply again.",
		m[1], i, m[1], i, describeRule(rules[i]), m[3])
	return err
}

// describeRule is a rule in a few words: `action "drop", source "x"`.
func describeRule(r ACLRule) string {
	out := fmt.Sprintf("action %q", r.Action)
	for _, f := range []struct{ name, v string }{
		{"source", r.Source}, {"destination", r.Destination}, {"protocol", r.Protocol},
		{"source_port", r.SourcePort}, {"destination_port", r.DestinationPort},
		{"icmp_type", r.ICMPType}, {"icmp_code", r.ICMPCode}, {"state", r.State},
	} {
		if f.v != "" {
			out += fmt.Sprintf(", %s %q", f.name, f.v)
		}
	}
	return out
}

func networkACLPut(p NetworkACLPut) api.NetworkACLPut {
	out := api.NetworkACLPut{Description: p.Description, Config: p.Config, Ingress: rulesToAPI(p.Ingress), Egress: rulesToAPI(p.Egress)}
	if out.Config == nil {
		out.Config = map[string]string{}
	}
	return out
}

func rulesToAPI(in []ACLRule) []api.NetworkACLRule {
	out := make([]api.NetworkACLRule, len(in))
	for i, r := range in {
		out[i] = api.NetworkACLRule{
			Action: r.Action, Source: r.Source, Destination: r.Destination, Protocol: r.Protocol,
			SourcePort: r.SourcePort, DestinationPort: r.DestinationPort, ICMPType: r.ICMPType, ICMPCode: r.ICMPCode,
			State: r.State, Description: r.Description,
		}
	}
	return out
}

func rulesFromAPI(in []api.NetworkACLRule) []ACLRule {
	out := make([]ACLRule, len(in))
	for i, r := range in {
		out[i] = ACLRule{
			Action: r.Action, Source: r.Source, Destination: r.Destination, Protocol: r.Protocol,
			SourcePort: r.SourcePort, DestinationPort: r.DestinationPort, ICMPType: r.ICMPType, ICMPCode: r.ICMPCode,
			State: r.State, Description: r.Description,
		}
	}
	return out
}
