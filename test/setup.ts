// Root hooks shared by every test file (database selection lives in test/helpers/db.ts).
export {};
