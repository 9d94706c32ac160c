// The static action table. Add a new action's import here (docs/adding-an-action.md).

import changePassword from './account/change-password.ts';
import confirmUser from './account/confirm-user.ts';
import createUser from './account/create-user.ts';
import deleteAccount from './account/delete-account.ts';
import resetPassword from './account/reset-password.ts';
import resetPasswordConfirm from './account/reset-password-confirm.ts';
import setUser from './account/set-user.ts';
import userInfo from './account/user-info.ts';
import veus from './account/veus.ts';
import auditLog from './admin/audit-log.ts';
import ban from './admin/ban.ts';
import changePermissionLevel from './admin/change-permission-level.ts';
import kick from './admin/kick.ts';
import killServer from './admin/kill-server.ts';
import unban from './admin/unban.ts';
import ack from './conversations/ack.ts';
import conversations from './conversations/conversations.ts';
import history from './conversations/history.ts';
import markRead from './conversations/mark-read.ts';
import sync from './conversations/sync.ts';
import type { Action } from './define.ts';
import createGroup from './groups/create-group.ts';
import deleteGroup from './groups/delete-group.ts';
import groupBan from './groups/group-ban.ts';
import groupKick from './groups/group-kick.ts';
import groupMembers from './groups/group-members.ts';
import groupRole from './groups/group-role.ts';
import groupUnban from './groups/group-unban.ts';
import invite from './groups/invite.ts';
import joinGroup from './groups/join-group.ts';
import leaveGroup from './groups/leave-group.ts';
import listGroups from './groups/list-groups.ts';
import messageGroup from './groups/message-group.ts';
import identities from './identity/identities.ts';
import linkIdentity from './identity/link-identity.ts';
import oidcCode from './identity/oidc-code.ts';
import oidcRegister from './identity/oidc-register.ts';
import oidcStart from './identity/oidc-start.ts';
import oidcWait from './identity/oidc-wait.ts';
import unlinkIdentity from './identity/unlink-identity.ts';
import messageUser from './messaging/message-user.ts';
import showOnlineUsers from './messaging/show-online-users.ts';
import getId from './session/get-id.ts';
import getPermissionLevel from './session/get-permission-level.ts';
import logout from './session/logout.ts';
import ping from './session/ping.ts';
/** Every action the server offers. */
export const ACTIONS: readonly Action[] = [
  ping,
  createUser,
  confirmUser,
  veus,
  oidcStart,
  oidcWait,
  oidcRegister,
  oidcCode,
  setUser,
  resetPassword,
  resetPasswordConfirm,
  changePassword,
  deleteAccount,
  userInfo,
  getId,
  getPermissionLevel,
  showOnlineUsers,
  messageUser,
  ack,
  sync,
  history,
  conversations,
  markRead,
  createGroup,
  joinGroup,
  leaveGroup,
  invite,
  groupMembers,
  listGroups,
  groupRole,
  groupKick,
  groupBan,
  groupUnban,
  deleteGroup,
  messageGroup,
  changePermissionLevel,
  kick,
  ban,
  unban,
  killServer,
  auditLog,
  logout,
  linkIdentity,
  identities,
  unlinkIdentity,
];
