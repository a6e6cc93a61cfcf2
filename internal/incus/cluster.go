package incus

import (
	"context"
	"fmt"
	"sort"
	"strings"

	incusclient "github.com/lxc/incus/v6/client"
	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// Cluster is what GET /1.0/cluster and its members say.
type Cluster struct {
	Enabled    bool
	ServerName string // the member that answered
	Members    []ClusterMember
}

// ClusterMemberPut is what can change on a cluster member.
type ClusterMemberPut struct {
	Description   string
	Config        map[string]string
	Roles         []string
	FailureDomain string
	Groups        []string
}

// ClusterMember is one member of a cluster.
type ClusterMember struct {
	Name string
	ClusterMemberPut
	URL          string
	Status       string // Online, Evacuated, Offline, ...
	Message      string
	Architecture string
	ETag         string
}

// ClusterGroupPut is what can change on a cluster group.
type ClusterGroupPut struct {
	Description string
	Members     []string
}

// ClusterGroup is a cluster group.
type ClusterGroup struct {
	Name string
	ClusterGroupPut
	ETag string
}

func clusterObject(s Scope) string { return fmt.Sprintf("cluster (remote %q)", s.Remote) }

func memberObject(s Scope, name string) string {
	return fmt.Sprintf("cluster member %q (remote %q)", name, s.Remote)
}

func groupObject(s Scope, name string) string {
	return fmt.Sprintf("cluster group %q (remote %q)", name, s.Remote)
}

// GetCluster reads the cluster and, when enabled, its members (two
// requests). A standalone server is a Cluster with Enabled false.
func (c *Client) GetCluster(ctx context.Context, s Scope) (*Cluster, error) {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return nil, err
	}
	cl, _, err := get(ctx, clusterObject(s), address, srv.GetCluster)
	if err != nil {
		return nil, err
	}
	out := &Cluster{Enabled: cl.Enabled, ServerName: cl.ServerName}
	if !cl.Enabled {
		return out, nil
	}
	members, _, err := get(ctx, clusterObject(s), address, func() ([]api.ClusterMember, string, error) {
		m, err := srv.GetClusterMembers()
		return m, "", err
	})
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		out.Members = append(out.Members, memberFromAPI(m, ""))
	}
	sort.Slice(out.Members, func(i, j int) bool { return out.Members[i].Name < out.Members[j].Name })
	return out, nil
}

func memberFromAPI(m api.ClusterMember, etag string) ClusterMember {
	return ClusterMember{
		Name: m.ServerName,
		ClusterMemberPut: ClusterMemberPut{
			Description: m.Description, Config: copyConfig(m.Config),
			Roles: sortedCopy(m.Roles), FailureDomain: m.FailureDomain, Groups: sortedCopy(m.Groups),
		},
		URL: m.URL, Status: m.Status, Message: m.Message, Architecture: m.Architecture, ETag: etag,
	}
}

// memberMissing makes a member's NotFound say which members there are.
func (c *Client) memberMissing(ctx context.Context, err error, s Scope, name string) error {
	if !IsNotFound(err) {
		return err
	}
	out := &clienterr.NotFoundError{Info: clienterr.Info{Object: memberObject(s, name), Err: err}}
	if cl, cerr := c.GetCluster(ctx, s); cerr == nil {
		if !cl.Enabled {
			out.Message = "the server is not a cluster"
			out.Hint = "rack_incus_cluster_member manages a member of an Incus cluster; this remote is a standalone server."
			return out
		}
		names := make([]string, len(cl.Members))
		for i, m := range cl.Members {
			names[i] = m.Name
			if m.Name == name {
				// The member is there: something the request named is
				// not (a group: "...: Cluster_group not found").
				return err
			}
		}
		out.Message = "the cluster has no such member"
		out.Hint = fmt.Sprintf("The cluster's members are %s. A member joins with `incus cluster add` and `incus admin init`; Terraform only manages members that exist.", strings.Join(names, ", "))
	}
	return out
}

// GetClusterMember reads one member with its ETag. A member the cluster
// lacks is a NotFound listing the members there are.
func (c *Client) GetClusterMember(ctx context.Context, s Scope, name string) (*ClusterMember, error) {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return nil, err
	}
	m, etag, err := get(ctx, memberObject(s, name), address, func() (*api.ClusterMember, string, error) {
		return srv.GetClusterMember(name)
	})
	if err != nil {
		return nil, c.memberMissing(ctx, err, s, name)
	}
	out := memberFromAPI(*m, etag)
	return &out, nil
}

// UpdateClusterMember replaces what can change on a member, guarded by
// etag. incusd keeps the database roles it gave the member whatever the
// request says.
func (c *Client) UpdateClusterMember(ctx context.Context, s Scope, name string, put ClusterMemberPut, etag string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	req := api.ClusterMemberPut{Description: put.Description, Config: put.Config, Roles: put.Roles,
		FailureDomain: put.FailureDomain, Groups: put.Groups}
	if req.Config == nil {
		req.Config = map[string]string{}
	}
	if req.Roles == nil {
		req.Roles = []string{}
	}
	err = mutate(ctx, "the update request", memberObject(s, name), address, func() error {
		return srv.UpdateClusterMember(name, req, etag)
	})
	return c.memberMissing(ctx, err, s, name)
}

// EvacuateClusterMember evacuates a member (evacuate true: its instances
// move to other members or stop) or restores it, and waits for the
// operation; a failure keeps the operation's ID.
func (c *Client) EvacuateClusterMember(ctx context.Context, s Scope, name string, evacuate bool) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	action, what := "restore", "the restore request"
	if evacuate {
		action, what = "evacuate", "the evacuate request"
	}
	err = operate(ctx, srv, what, memberObject(s, name), address, func() (incusclient.Operation, error) {
		return srv.UpdateClusterMemberState(name, api.ClusterMemberStatePost{Action: action})
	})
	return c.memberMissing(ctx, err, s, name)
}

// GetClusterGroup reads a cluster group with its ETag.
func (c *Client) GetClusterGroup(ctx context.Context, s Scope, name string) (*ClusterGroup, error) {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return nil, err
	}
	g, etag, err := get(ctx, groupObject(s, name), address, func() (*api.ClusterGroup, string, error) {
		return srv.GetClusterGroup(name)
	})
	if err != nil {
		return nil, err
	}
	return &ClusterGroup{Name: g.Name, ClusterGroupPut: ClusterGroupPut{Description: g.Description, Members: sortedCopy(g.Members)}, ETag: etag}, nil
}

// CreateClusterGroup creates a cluster group. A taken name (incusd: 500
// `Failed to create "cluster_groups" entry: UNIQUE constraint failed`) is a
// Conflict naming the import ID.
func (c *Client) CreateClusterGroup(ctx context.Context, s Scope, name string, put ClusterGroupPut) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the create request", groupObject(s, name), address, func() error {
		return srv.CreateClusterGroup(api.ClusterGroupsPost{Name: name,
			ClusterGroupPut: api.ClusterGroupPut{Description: put.Description, Members: nonNil(put.Members)}})
	})
	return taken(err, ServerImportID(s.Remote, name))
}

// UpdateClusterGroup replaces a group's description and members, guarded
// by etag. A member the cluster lacks is refused (404).
func (c *Client) UpdateClusterGroup(ctx context.Context, s Scope, name string, put ClusterGroupPut, etag string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	return mutate(ctx, "the update request", groupObject(s, name), address, func() error {
		return srv.UpdateClusterGroup(name, api.ClusterGroupPut{Description: put.Description, Members: nonNil(put.Members)}, etag)
	})
}

// RenameClusterGroup renames a group in place; a taken name is a Conflict.
func (c *Client) RenameClusterGroup(ctx context.Context, s Scope, from, to string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	err = mutate(ctx, "the rename request", groupObject(s, from), address, func() error {
		return srv.RenameClusterGroup(from, api.ClusterGroupPost{Name: to})
	})
	return taken(err, ServerImportID(s.Remote, to))
}

// DeleteClusterGroup deletes a group. incusd removes only empty groups, so
// its members leave it first (a member whose only group it is stays in
// it, and the delete is refused).
func (c *Client) DeleteClusterGroup(ctx context.Context, s Scope, name string) error {
	srv, s, address, err := c.atServer(s)
	if err != nil {
		return err
	}
	g, err := c.GetClusterGroup(ctx, s, name)
	if err != nil {
		return err
	}
	if len(g.Members) > 0 && name != "default" {
		if err := c.UpdateClusterGroup(ctx, s, name, ClusterGroupPut{Description: g.Description}, g.ETag); err != nil {
			return err
		}
	}
	return mutate(ctx, "the delete request", groupObject(s, name), address, func() error {
		return srv.DeleteClusterGroup(name)
	})
}
