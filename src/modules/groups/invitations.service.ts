import { AppError, conflict, forbidden, notFound, validationFailed } from '../../core/errors/app-error.ts';
import { isUniqueViolation } from '../../core/db/errors.ts';
import type { DbOrTx } from '../../core/db/database.ts';
import { newId } from '../../core/ids.ts';
import type { Principal } from '../auth/index.ts';
import { queueMail, renderMail } from '../mail/index.ts';
import * as repo from './groups.repository.ts';
import * as invitationsRepo from './invitations.repository.ts';
import type { GroupsDeps } from './groups.service.ts';

/**
 * The owner invites a live account by id; the invitee is mailed in the same transaction (outbox). A
 * member or a pending invitee already → 409; an unknown, deleted or deactivated account → 422 at
 * `/body/account_id`; members plus pending invitations are bounded by GROUP_MAX_MEMBERS (409 beyond).
 */
export async function invite(deps: GroupsDeps, principal: Principal, groupId: string, accountId: string) {
  try {
    return await deps.db.transaction(async (tx) => {
      // Locking the group row makes one group's invitations take turns, so the cap holds under races.
      const group = await repo.findForMember(tx, groupId, principal.account.id, { lock: true });
      if (!group) throw notFound('group');
      if (group.role !== 'owner') throw forbidden('Only the group’s owner invites.');
      const invitee = await invitationsRepo.findInvitee(tx, accountId);
      if (!invitee)
        throw validationFailed([{ path: '/body/account_id', message: 'No such account can be invited.' }]);
      if (await repo.isMember(tx, groupId, accountId)) throw conflict('The account is already a member.');
      if (await invitationsRepo.hasInvitation(tx, groupId, accountId)) throw alreadyInvited();
      const taken =
        (await repo.countMembers(tx, groupId)) + (await invitationsRepo.countInvitations(tx, groupId));
      if (taken >= deps.config.groups.maxMembers)
        throw conflict(
          `A group has at most ${deps.config.groups.maxMembers} members and pending invitations together.`,
        );
      // Counted only for invitations that would be sent; a 429 rolls the transaction back.
      await deps.invitations.consume(`from:${principal.account.id}`, TOO_MANY_SENT);
      await deps.invitations.consume(`to:${accountId}`, TOO_MANY_RECEIVED);
      const row = await invitationsRepo.insertInvitation(tx, {
        id: newId(),
        groupId,
        accountId,
        invitedBy: principal.account.id,
      });
      const mail = renderMail(
        'group-invitation',
        {
          inviterName: principal.account.name?.trim() || 'A Bulwark user',
          groupName: group.name,
          groupId,
          invitationId: row.id,
        },
        deps.config.publicUrl,
      );
      await queueMail(tx, { to: invitee.email, ...mail });
      return viewOf(tx, row.id, 'pending');
    });
  } catch (error) {
    // Two concurrent invitations of one account: the unique index refuses the second.
    if (isUniqueViolation(error)) throw alreadyInvited();
    throw error;
  }
}

const TOO_MANY_SENT = 'You have sent too many invitations lately; try again later.';
const TOO_MANY_RECEIVED = 'This account has received too many invitations lately; try again later.';

const alreadyInvited = () => conflict('The account already has a pending invitation to this group.');

/**
 * The invitee accepts: the invitation becomes a membership. The owner is told it cannot (403); anyone
 * else gets 404, as if the invitation did not exist.
 */
export async function accept(deps: GroupsDeps, principal: Principal, groupId: string, invitationId: string) {
  return deps.db.transaction(async (tx) => {
    // Group first, then invitation: the same order as `invite`, so the two never deadlock.
    const group = await repo.findById(tx, groupId, { lock: true });
    const invitation =
      group && (await invitationsRepo.findInvitation(tx, groupId, invitationId, { lock: true }));
    if (!group || !invitation) throw notFound('invitation');
    if (invitation.accountId !== principal.account.id) {
      if (group.ownerId === principal.account.id)
        throw forbidden('Only the invitee accepts an invitation; the owner may withdraw it.');
      throw notFound('invitation');
    }
    const view = await viewOf(tx, invitationId, 'accepted');
    await repo.addMember(tx, groupId, principal.account.id);
    await invitationsRepo.deleteInvitation(tx, invitationId);
    return view;
  });
}

/** The invitee refuses, or the owner withdraws: the invitation is deleted. Anyone else gets 404. */
export async function refuseOrWithdraw(
  deps: GroupsDeps,
  principal: Principal,
  groupId: string,
  invitationId: string,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const group = await repo.findById(tx, groupId, { lock: true });
    const invitation =
      group && (await invitationsRepo.findInvitation(tx, groupId, invitationId, { lock: true }));
    const me = principal.account.id;
    if (!group || !invitation || (invitation.accountId !== me && group.ownerId !== me))
      throw notFound('invitation');
    await invitationsRepo.deleteInvitation(tx, invitationId);
  });
}

/** A group's pending invitations: the owner's to manage (a member 403, anyone else 404). */
export async function assertOwner(db: DbOrTx, principal: Principal, groupId: string): Promise<void> {
  const group = await repo.findForMember(db, groupId, principal.account.id);
  if (!group) throw notFound('group');
  if (group.role !== 'owner') throw forbidden('Only the group’s owner sees its invitations.');
}

async function viewOf(db: DbOrTx, invitationId: string, status: 'pending' | 'accepted') {
  const row = await invitationsRepo.invitationView(db, invitationId);
  if (!row) throw new AppError('INTERNAL', 'The invitation vanished while it was being read.');
  return toInvitationView(row, status);
}

export function toInvitationView(
  row: invitationsRepo.InvitationView,
  status: 'pending' | 'accepted' = 'pending',
) {
  const { invitation } = row;
  return {
    id: invitation.id,
    group_id: invitation.groupId,
    group_name: row.groupName,
    account_id: invitation.accountId,
    invited_by: { account_id: invitation.invitedBy, name: row.inviterName },
    status,
    created_at: invitation.createdAt.toISOString(),
  };
}
