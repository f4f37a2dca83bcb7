/**
 * The account's users (`GET /users`): the reference's sample users. The API key belongs to user 1, who is
 * the `searcher_id` and first `assignee_id` of every search made through the API.
 */
export interface CaClassicUser {
  id: number;
  email: string;
  name: string;
  phone: string | null;
  updated_at: string;
  created_at: string;
}

export const API_USER_ID = 1;

export const USERS: readonly CaClassicUser[] = [
  {
    id: 1,
    email: 'teamadmin@example.com',
    name: 'Team Administrator',
    phone: null,
    updated_at: '2015-06-15 09:15:12',
    created_at: '2015-06-11 12:05:14',
  },
  {
    id: 14,
    email: 'walton41@example.com',
    name: 'Jessyca Sporer',
    phone: '1-628-245-5554x7640',
    updated_at: '2015-06-11 12:05:16',
    created_at: '2015-06-11 12:05:16',
  },
  {
    id: 15,
    email: 'autumn.ankunding@example.net',
    name: 'Dr. Niko Eichmann DVM',
    phone: '(232)055-6006',
    updated_at: '2015-06-11 12:05:16',
    created_at: '2015-06-11 12:05:16',
  },
];

export function userById(id: number): CaClassicUser | undefined {
  return USERS.find((u) => u.id === id);
}

/** A user as a search's `searcher` and `assignee` show it (no `updated_at`). */
export function renderUser(id: number): Record<string, unknown> | null {
  const user = userById(id);
  if (!user) return null;
  return { id: user.id, email: user.email, name: user.name, phone: user.phone, created_at: user.created_at };
}

/** `GET /users`: `{status: "success", content: {data: [users]}}`. */
export function usersContent(): { data: CaClassicUser[] } {
  return { data: USERS.map((u) => ({ ...u })) };
}
