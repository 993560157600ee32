// The last ETag seen per resource URL, so that updates can send `If-Match` (412 when someone
// else changed the record first).
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';

const etagSlice = createSlice({
  name: 'etags',
  initialState: {} as Record<string, string>,
  reducers: {
    etagSeen(state, action: PayloadAction<{ url: string; etag: string }>) {
      state[action.payload.url] = action.payload.etag;
    },
  },
});

export const { etagSeen } = etagSlice.actions;
export const etagReducer = etagSlice.reducer;
