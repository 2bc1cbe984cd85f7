using Orleans.Concurrency;

namespace Encore.Users;

/// <remarks>Holds nothing: the features are in the listener's bucket, which answers for it.</remarks>
[StatelessWorker]
internal sealed class UserGrain : Grain, IUserGrain
{
    public Task<UserProfile?> GetProfileAsync()
    {
        var userId = this.GetPrimaryKeyString();
        return GrainFactory.UserBucketOf(userId).GetProfileAsync(userId);
    }

    public Task<UserTaste?> GetTasteAsync()
    {
        var userId = this.GetPrimaryKeyString();
        return GrainFactory.UserBucketOf(userId).GetTasteAsync(userId);
    }
}
