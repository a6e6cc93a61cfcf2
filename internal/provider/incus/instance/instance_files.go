package instance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"regexp"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

// fileModel is one entry of `files`.
type fileModel struct {
	TargetPath        types.String `tfsdk:"target_path"`
	Type              types.String `tfsdk:"type"`
	Content           types.String `tfsdk:"content"`
	SourcePath        types.String `tfsdk:"source_path"`
	UID               types.Int64  `tfsdk:"uid"`
	GID               types.Int64  `tfsdk:"gid"`
	Mode              types.String `tfsdk:"mode"`
	CreateDirectories types.Bool   `tfsdk:"create_directories"`
	SHA256            types.String `tfsdk:"sha256"`
}

var fileAttrTypes = map[string]attr.Type{
	"target_path": types.StringType, "type": types.StringType, "content": types.StringType,
	"source_path": types.StringType, "uid": types.Int64Type, "gid": types.Int64Type,
	"mode": types.StringType, "create_directories": types.BoolType, "sha256": types.StringType,
}

// driftCheckLimit is the largest file whose content Read hashes to find
// out-of-band changes; a larger one is checked for presence and type only.
const driftCheckLimit = 1 << 20

var modeRE = regexp.MustCompile(`^0?[0-7]{3}$|^[0-7]{4}$`)

func filesAttribute() schema.Attribute {
	return schema.ListNestedAttribute{
		Optional: true,
		Description: "Files, directories and symlinks to put into the instance, through Incus's file API. In a container they are uploaded before its first start " +
			"(the instance is created stopped, the files pushed, then it is started); a virtual machine's need its agent, so they are uploaded after it starts. " +
			"A changed entry is uploaded again in place (the instance keeps running); an entry dropped from the list is deleted from the instance (a directory only when empty). " +
			"Each refresh reads every listed path back (one request each) and hashes files of up to 1 MiB: a file deleted or changed outside Terraform (content, type, mode, owner) shows as a change to its `sha256` and is uploaded again. " +
			"After `terraform import` the state has no files: a configuration that lists files uploads them all on the next apply.",
		Validators: []validator.List{listvalidator.SizeAtLeast(1)},
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"target_path": schema.StringAttribute{
				Required: true, Description: "Absolute path in the instance.",
				Validators: []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^/.*[^/]$`), "must be an absolute path, not / and not ending in /")},
			},
			"type": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("file"),
				Description: "`file` (the default), `directory`, or `symlink` (then `content` is the link's target).",
				Validators:  []validator.String{stringvalidator.OneOf("file", "directory", "symlink")},
			},
			"content": schema.StringAttribute{
				Optional: true, Sensitive: true,
				Description: "The file's content, or a symlink's target. Exactly one of `content` and `source_path` for a file. Sensitive: never shown or logged.",
			},
			"source_path": schema.StringAttribute{
				Optional:    true,
				Description: "A local file to upload, streamed (never read whole into memory). Its SHA-256, taken at plan time, is what tells a changed file: editing it re-uploads.",
			},
			"uid": schema.Int64Attribute{Optional: true, Description: "Owner's user ID in the instance; Incus's default (0) when unset."},
			"gid": schema.Int64Attribute{Optional: true, Description: "Owner's group ID in the instance; Incus's default (0) when unset."},
			"mode": schema.StringAttribute{
				Optional: true, Description: "Permissions as an octal string, such as `\"0644\"` or `\"755\"`; Incus's default (0644 for a file, 0755 for a directory) when unset.",
				Validators: []validator.String{stringvalidator.RegexMatches(modeRE, `must be an octal mode such as "0644"`)},
			},
			"create_directories": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				Description: "Create missing parent directories (mode 0755, owned by root) first. Defaults to `false`: a missing parent is an error.",
			},
			"sha256": schema.StringAttribute{
				Computed: true,
				Description: "SHA-256 of the content (or link target) as configured, hex; empty for a directory. Read sets it to `drifted` when the file in the instance no longer matches, " +
					"so that the plan shows the change and apply uploads it again. Never the content itself.",
			},
		}},
	}
}

// validateFiles checks at plan time what a file entry needs.
func validateFiles(ctx context.Context, l types.List, diags *diag.Diagnostics) {
	if l.IsNull() || l.IsUnknown() {
		return
	}
	var files []fileModel
	diags.Append(l.ElementsAs(ctx, &files, false)...)
	seen := map[string]int{}
	for i, f := range files {
		p := path.Root("files").AtListIndex(i)
		typ := f.Type.ValueString()
		if f.Type.IsNull() {
			typ = "file"
		}
		hasContent, hasSource := !f.Content.IsNull(), !f.SourcePath.IsNull()
		switch {
		case f.Type.IsUnknown():
		case typ == "file" && hasContent == hasSource:
			diags.AddAttributeError(p, "Invalid File Entry", fmt.Sprintf("files[%d] (%s) needs exactly one of content and source_path.", i, f.TargetPath.ValueString()))
		case typ == "symlink" && (!hasContent || hasSource):
			diags.AddAttributeError(p, "Invalid File Entry", fmt.Sprintf("files[%d] (%s) is a symlink: give its target as content, and no source_path.", i, f.TargetPath.ValueString()))
		case typ == "directory" && (hasContent || hasSource):
			diags.AddAttributeError(p, "Invalid File Entry", fmt.Sprintf("files[%d] (%s) is a directory: it takes neither content nor source_path.", i, f.TargetPath.ValueString()))
		}
		if !f.TargetPath.IsUnknown() && !f.TargetPath.IsNull() {
			if j, dup := seen[f.TargetPath.ValueString()]; dup {
				diags.AddAttributeError(p.AtName("target_path"), "Duplicate File Target",
					fmt.Sprintf("files[%d] and files[%d] both write %s.", j, i, f.TargetPath.ValueString()))
			}
			seen[f.TargetPath.ValueString()] = i
		}
	}
}

func filesOf(ctx context.Context, l types.List, diags *diag.Diagnostics) []fileModel {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var files []fileModel
	diags.Append(l.ElementsAs(ctx, &files, false)...)
	return files
}

func filesValue(files []fileModel, diags *diag.Diagnostics) types.List {
	v, d := types.ListValueFrom(context.Background(), types.ObjectType{AttrTypes: fileAttrTypes}, files)
	diags.Append(d...)
	return v
}

// planFiles fills in each entry's sha256 at plan time: of the content, or
// of the local source file (streamed).
func planFiles(ctx context.Context, plan *instanceModel, diags *diag.Diagnostics) {
	if plan.Files.IsNull() || plan.Files.IsUnknown() {
		return
	}
	files := filesOf(ctx, plan.Files, diags)
	for i := range files {
		f := &files[i]
		switch {
		case f.Type.ValueString() == "directory":
			f.SHA256 = types.StringValue("")
		case f.Content.IsUnknown() || f.SourcePath.IsUnknown():
			f.SHA256 = types.StringUnknown()
		case !f.Content.IsNull():
			sum := sha256.Sum256([]byte(f.Content.ValueString()))
			f.SHA256 = types.StringValue(hex.EncodeToString(sum[:]))
		case !f.SourcePath.IsNull():
			sum, err := hashFile(f.SourcePath.ValueString())
			if err != nil {
				diags.AddAttributeError(path.Root("files").AtListIndex(i).AtName("source_path"), "Cannot Read Source File",
					fmt.Sprintf("files[%d].source_path: %s", i, err))
				return
			}
			f.SHA256 = types.StringValue(sum)
		default:
			f.SHA256 = types.StringUnknown()
		}
	}
	plan.Files = filesValue(files, diags)
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sameFile reports whether an entry needs no upload.
func sameFile(a, b fileModel) bool {
	return a.TargetPath.Equal(b.TargetPath) && a.Type.Equal(b.Type) && a.Content.Equal(b.Content) && a.SourcePath.Equal(b.SourcePath) &&
		a.UID.Equal(b.UID) && a.GID.Equal(b.GID) && a.Mode.Equal(b.Mode) && a.SHA256.Equal(b.SHA256)
}

// pushFiles makes the instance hold the planned files: it deletes the
// entries dropped since the prior state and uploads those marked pending.
// An uploaded entry's sha256 is set from what was sent; one not uploaded
// stays "drifted", so that the next apply tries it again.
func (r *instanceResource) pushFiles(ctx context.Context, plan *instanceModel, name string, d *dayTwo, diags *diag.Diagnostics) bool {
	if len(d.push) == 0 && len(d.drop) == 0 {
		return true
	}
	files := filesOf(ctx, plan.Files, diags)
	if diags.HasError() {
		return false
	}
	defer func() {
		if files != nil {
			plan.Files = filesValue(files, diags)
		}
	}()
	scope := plan.scope()
	ok := true
	// Deepest (last listed) first, so that a directory is emptied before it goes.
	for i := len(d.drop) - 1; i >= 0; i-- {
		if err := r.data.Incus.DeleteInstanceFile(ctx, scope, name, d.drop[i]); err != nil {
			diags.AddError("Unable to Delete File From Incus Instance", fmt.Sprintf("%s was dropped from files, and could not be deleted from the instance.\n\n%s", d.drop[i], fw.ErrorDetail(err)))
			ok = false
		}
	}
	for i := range files {
		f := &files[i]
		if !d.push[f.TargetPath.ValueString()] {
			continue
		}
		sum, err := r.pushFile(ctx, scope, name, *f)
		if err != nil {
			diags.AddAttributeError(path.Root("files").AtListIndex(i), "Unable to Upload File to Incus Instance",
				fmt.Sprintf("files[%d] (%s) could not be uploaded.\n\n%s", i, f.TargetPath.ValueString(), fw.ErrorDetail(err)))
			return false
		}
		f.SHA256 = types.StringValue(sum)
		delete(d.push, f.TargetPath.ValueString())
	}
	return ok
}

// driftedMarker is the sha256 of an entry the instance no longer matches
// (or whose upload failed): never a real hash, so the plan shows a change.
const driftedMarker = "drifted"

// pushFile uploads one entry and returns the SHA-256 of what it sent.
func (r *instanceResource) pushFile(ctx context.Context, scope incus.Scope, name string, f fileModel) (string, error) {
	spec := incus.InstanceFile{
		Path: f.TargetPath.ValueString(), Type: fw.OrDefault(f.Type.ValueString(), "file"),
		UID: -1, GID: -1, Mode: -1, CreateDirectories: f.CreateDirectories.ValueBool(),
	}
	if !f.UID.IsNull() {
		spec.UID = f.UID.ValueInt64()
	}
	if !f.GID.IsNull() {
		spec.GID = f.GID.ValueInt64()
	}
	if !f.Mode.IsNull() {
		m, err := strconv.ParseInt(f.Mode.ValueString(), 8, 32)
		if err != nil {
			return "", fmt.Errorf("mode %q is not octal: %w", f.Mode.ValueString(), err)
		}
		spec.Mode = int(m)
	}
	h := sha256.New()
	switch {
	case spec.Type == "directory":
		tflog.Debug(ctx, "creating directory in instance", map[string]any{"instance": name, "path": spec.Path})
		return "", r.data.Incus.PushInstanceFile(ctx, scope, name, spec)
	case !f.SourcePath.IsNull():
		src, err := os.Open(f.SourcePath.ValueString())
		if err != nil {
			return "", err
		}
		defer func() { _ = src.Close() }()
		// The hash is taken from the bytes as they are sent.
		spec.Content = &hashingReader{r: src, h: h}
	default:
		spec.Content = &hashingReader{r: bytes.NewReader([]byte(f.Content.ValueString())), h: h}
	}
	tflog.Debug(ctx, "uploading file to instance", map[string]any{"instance": name, "path": spec.Path, "type": spec.Type})
	if err := r.data.Incus.PushInstanceFile(ctx, scope, name, spec); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashingReader hashes what is read through it; a seek back to the start
// (a retried request) starts the hash anew.
type hashingReader struct {
	r io.ReadSeeker
	h hash.Hash
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	return n, err
}

func (hr *hashingReader) Seek(offset int64, whence int) (int64, error) {
	pos, err := hr.r.Seek(offset, whence)
	if err == nil && pos == 0 {
		hr.h.Reset()
	}
	return pos, err
}

// readFiles checks each file in state against the instance: a path that is
// gone, of another type, with another mode or owner than configured, or
// (for files up to driftCheckLimit) with other content, gets sha256
// "drifted". What cannot be read (a stopped VM) is left as it was.
func (r *instanceResource) readFiles(ctx context.Context, state *instanceModel, diags *diag.Diagnostics) {
	if state.Files.IsNull() || state.Files.IsUnknown() {
		return
	}
	files := filesOf(ctx, state.Files, diags)
	changed := false
	for i := range files {
		f := &files[i]
		if f.SHA256.ValueString() == driftedMarker {
			continue
		}
		st, err := r.data.Incus.InstanceFileState(ctx, state.scope(), state.Name.ValueString(), f.TargetPath.ValueString(), driftCheckLimit)
		if err != nil && !incus.IsNotFound(err) {
			tflog.Debug(ctx, "file drift check skipped", map[string]any{"path": f.TargetPath.ValueString(), "error": err.Error()})
			continue
		}
		if err != nil || fileDrifted(*f, st) {
			f.SHA256 = types.StringValue(driftedMarker)
			changed = true
		}
	}
	if changed {
		state.Files = filesValue(files, diags)
	}
}

func fileDrifted(f fileModel, st *incus.FileState) bool {
	typ := fw.OrDefault(f.Type.ValueString(), "file")
	if st.Type != typ {
		return true
	}
	if !f.Mode.IsNull() && typ != "symlink" {
		if m, err := strconv.ParseInt(f.Mode.ValueString(), 8, 32); err == nil && int(m) != st.Mode {
			return true
		}
	}
	if (!f.UID.IsNull() && f.UID.ValueInt64() != st.UID) || (!f.GID.IsNull() && f.GID.ValueInt64() != st.GID) {
		return true
	}
	return typ != "directory" && st.SHA256 != "" && f.SHA256.ValueString() != "" && st.SHA256 != f.SHA256.ValueString()
}
