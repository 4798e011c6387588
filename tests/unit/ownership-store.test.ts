import { describe, expect, it } from "vitest";
import { OwnershipStore, type OwnershipSnapshot } from "../../app/hooks/useOwnership";

const initial: OwnershipSnapshot = {
  owners: { r1: { id: "taalhuis", name: "Taalhuis", claimedAt: 1000 }, r2: { id: "coa", name: "COA", claimedAt: 2000 } },
  pendingReferrals: [{ id: "ref1", requestId: "r2", fromOrgId: "coa", toOrgId: "vwn", createdAt: 3000 }],
  inbox: [
    { id: "ref1", requestId: "r2", boardId: "b", fromOrgId: "coa", fromOrgName: "COA", note: "Graag", createdAt: 3000 },
  ],
  expiredClaims: [],
};

describe("OwnershipStore", () => {
  it("starts from the loader's state, with the note of a referral to us", () => {
    const s = new OwnershipStore(initial);
    expect(s.get("r1").owner).toEqual({ id: "taalhuis", name: "Taalhuis" });
    expect(s.get("r2").pending).toMatchObject({ toOrgId: "vwn", note: "Graag" });
    expect(s.get("r3")).toEqual({ owner: null, claimedAt: null, pending: null });
    expect(s.getInbox().inbox).toHaveLength(1);
  });

  it("an owner change replaces one card's entry only, and notifies", () => {
    const s = new OwnershipStore(initial);
    const r1 = s.get("r1");
    const r2 = s.get("r2");
    let calls = 0;
    s.subscribe(() => calls++);
    s.applyOwnerChange({ requestId: "r3", ownerOrgId: "vwn", owner: { id: "vwn", name: "VluchtelingenWerk" }, claimedAt: 5, pendingReferral: null });
    expect(calls).toBe(1);
    expect(s.get("r3").owner?.name).toBe("VluchtelingenWerk");
    expect(s.get("r1")).toBe(r1);
    expect(s.get("r2")).toBe(r2);
    // The same state again changes nothing.
    s.applyOwnerChange({ requestId: "r3", ownerOrgId: "vwn", owner: { id: "vwn", name: "VluchtelingenWerk" }, claimedAt: 5, pendingReferral: null });
    expect(calls).toBe(1);
  });

  it("an accepted referral moves the owner and leaves the inbox", () => {
    const s = new OwnershipStore(initial);
    s.applyOwnerChange({ requestId: "r2", ownerOrgId: "vwn", owner: { id: "vwn", name: "VluchtelingenWerk" }, claimedAt: 9, pendingReferral: null });
    expect(s.get("r2")).toEqual({ owner: { id: "vwn", name: "VluchtelingenWerk" }, claimedAt: 9, pending: null });
    expect(s.getInbox().inbox).toEqual([]);
  });

  it("a release removes the entry; a refusal's owner is applied", () => {
    const s = new OwnershipStore(initial);
    s.applyOwnerChange({ requestId: "r1", ownerOrgId: null, owner: null, claimedAt: null, pendingReferral: null });
    expect(s.get("r1").owner).toBeNull();
    s.applyOwner("r1", { id: "coa", name: "COA" });
    expect(s.get("r1").owner).toEqual({ id: "coa", name: "COA" });
  });

  it("a refetch keeps unchanged entries (same objects)", () => {
    const s = new OwnershipStore(initial);
    const r1 = s.get("r1");
    let calls = 0;
    s.subscribe(() => calls++);
    s.replace(JSON.parse(JSON.stringify(initial)));
    expect(calls).toBe(0);
    expect(s.get("r1")).toBe(r1);
    s.replace({ ...initial, owners: { r1: initial.owners.r1 }, pendingReferrals: [], inbox: [] });
    expect(calls).toBe(1);
    expect(s.get("r1")).toBe(r1);
    expect(s.get("r2").owner).toBeNull();
  });
});
